/**
 * End-to-end: `--service-kind dynamic_grpc` against the reference server's generic echo
 * service. The input data's message_generator command (printf, octal escapes) writes three
 * length-prefixed messages; the service's own count of calls and of each message it received
 * is the ground truth the report is checked against.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withTempDir } from "./cli_harness.ts";
import { silentPeer } from "./silent_peer.ts";
import {
  ECHO_METHOD,
  type EchoServer,
  FAIL_DETAILS,
  FAIL_METHOD,
  hex,
  startEchoServer,
} from "../server/grpc/echo.ts";

/** Three frames: 4-byte little-endian length, then the message. */
const FRAMES = ["abc", "xy", "hello"];
const GENERATOR = "printf '\\003\\000\\000\\000abc\\002\\000\\000\\000xy\\005\\000\\000\\000hello'";

async function withEcho(fn: (server: EchoServer) => Promise<void>): Promise<void> {
  const server = await startEchoServer();
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** Runs the CLI with a data file whose one entry names `command`. */
function runWith(dir: string, url: string, method: string, command: string, extra: string[] = []) {
  const json = `${dir}/data.json`;
  Deno.writeTextFileSync(json, JSON.stringify({ data: [{ message_generator: command }] }));
  // No -m and no -i: the kind calls a method, not a model, and speaks gRPC only.
  return runCli([
    "--service-kind",
    "dynamic_grpc",
    "-u",
    url,
    "--grpc-method",
    method,
    "--input-data",
    json,
    ...extra,
  ]);
}

const utf8 = new TextEncoder();

Deno.test("dynamic_grpc CLI: every frame is sent round-robin, each call counted by the server", async () => {
  await withTempDir("pa_dyngrpc_", async (dir) => {
    await withEcho(async (server) => {
      const r = await runWith(dir, server.url, ECHO_METHOD, GENERATOR, [
        "--concurrency-range",
        "3",
        "--request-count",
        "30",
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stderr, /dynamic_grpc reads no model metadata/);
      assert.match(r.stdout, /Service Kind: DYNAMIC_GRPC/);
      assert.equal(numberAfter(r.stdout, "    Request count: "), 30);
      assert.doesNotMatch(r.stdout, /Failed requests/);
      const truth = server.truth();
      assert.equal(truth.echoed, 30);
      assert.equal(truth.failed, 0);
      // Round-robin over the three frames: each one sent, byte for byte, ten times.
      const want = new Map(FRAMES.map((f) => [hex(utf8.encode(f)), 10]));
      assert.deepEqual(truth.messages, want);
    });
  });
});

Deno.test("dynamic_grpc CLI: a non-OK status is a counted failure, not the end of the run", async () => {
  await withTempDir("pa_dyngrpc_", async (dir) => {
    await withEcho(async (server) => {
      // "ok" then "fail" (which the service refuses), alternately.
      const mixed = "printf '\\002\\000\\000\\000ok\\004\\000\\000\\000fail'";
      const r = await runWith(dir, server.url, ECHO_METHOD, mixed, ["--request-count", "10"]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      const truth = server.truth();
      assert.deepEqual([truth.echoed, truth.failed], [5, 5]);
      assert.equal(numberAfter(r.stdout, "    Request count: "), 5);
      assert.match(r.stdout, new RegExp(`Failed requests: 5 \\(${FAIL_DETAILS}: 5\\)`));
      // Every request failing leaves nothing to measure: the run says why, with the count.
      const all = await runWith(dir, server.url, FAIL_METHOD, GENERATOR, ["--request-count", "6"]);
      assert.notEqual(all.code, 0);
      assert.match(
        all.stderr,
        new RegExp(`All 6 requests .* failed; most often \\(6×\\): ${FAIL_DETAILS}`),
      );
      assert.equal(server.truth().failed, 11);
    });
  });
});

Deno.test("dynamic_grpc CLI: bad generator output is a clear error naming the command", async () => {
  await withTempDir("pa_dyngrpc_", async (dir) => {
    await withEcho(async (server) => {
      const short = "printf '\\005\\000\\000\\000ab'";
      const cut = await runWith(dir, server.url, ECHO_METHOD, short);
      assert.notEqual(cut.code, 0);
      assert.match(
        cut.stderr,
        /message_generator command 'printf .*': frame 0 declares 5 bytes but only 2 follow/,
      );
      const failing = await runWith(dir, server.url, ECHO_METHOD, "echo oops >&2; exit 3");
      assert.notEqual(failing.code, 0);
      assert.match(
        failing.stderr,
        /message_generator command 'echo oops >&2; exit 3' exited with code 3: oops/,
      );
      assert.equal(server.truth().echoed, 0, "nothing is sent after a generator failure");
    });
  });
});

Deno.test("dynamic_grpc CLI: --request-timeout turns a method that never answers into timeouts", async () => {
  await withTempDir("pa_dyngrpc_", async (dir) => {
    const peer = silentPeer();
    try {
      const r = await runWith(dir, `127.0.0.1:${peer.port}`, ECHO_METHOD, GENERATOR, [
        "--request-timeout",
        "100",
        "--request-count",
        "3",
      ]);
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.match(
        r.stderr,
        /All 3 requests that ended in it failed; most often \(3×\): no response within 100 ms\./,
      );
    } finally {
      await peer.close();
    }
  });
});
