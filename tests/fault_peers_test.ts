/**
 * End-to-end, the CLI in a child process against small misbehaving HTTP peers on loopback: a
 * Triton-shaped server whose metadata is honest and whose inference replies break the framing.
 * Every run must end by itself, with the failure counted and named.
 */
import assert from "node:assert/strict";
import { startRawServer, writeAll } from "../wire/http1/testing/raw_server.ts";
import { runChild } from "./child_process.ts";
import { withServer } from "./cli_harness.ts";
import type { FakeReply } from "../backends/net/testing/h2_fake.ts";
import { inferOk, startTritonFake } from "../backends/triton/testing/h2_triton_fake.ts";

const METADATA = JSON.stringify({
  name: "m",
  versions: ["1"],
  platform: "fake",
  inputs: [{ name: "IN", datatype: "INT32", shape: [4] }],
  outputs: [{ name: "OUT", datatype: "INT32", shape: [4] }],
});
const INFER_OK = '{"model_name":"m","outputs":[]}';

const reply = (status: string, body: string) =>
  `HTTP/1.1 ${status}\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;

/**
 * Runs `-m m --request-count 5` against a peer that answers each inference with `infer` (or
 * what it returns for the 1-based call number), the
 * metadata request with `metadata`, and statistics with `stats` (404 when not given).
 */
async function against(
  infer: string | ((call: number) => string),
  metadata = METADATA,
  stats?: string,
) {
  let calls = 0;
  const answer = typeof infer === "string" ? () => infer : infer;
  const peer = startRawServer(async (conn, reader) => {
    for (let req; (req = await reader.next()) !== null;) {
      const [method, path] = req.head.split(" ");
      if (method === "POST") await writeAll(conn, answer(++calls));
      else if (path === "/v2/models/m") await writeAll(conn, reply("200 OK", metadata));
      else if (path.endsWith("/stats") && stats !== undefined) {
        await writeAll(conn, reply("200 OK", stats));
      } else if (path === "/v2" && stats !== undefined) {
        // Statistics are asked for only of a server that lists the extension.
        await writeAll(conn, reply("200 OK", '{"name":"fake","extensions":["statistics"]}'));
      } else await writeAll(conn, reply("404 Not Found", ""));
    }
  });
  try {
    return await runChild(
      ["-m", "m", "-u", `127.0.0.1:${peer.port}`, "--request-count", "5"],
      { timeoutMs: 30_000 },
    );
  } finally {
    await peer.close();
  }
}

/** perf_analyzer's verdict when every request of the window failed, with the cause first. */
function noValid(cause: string): string {
  return "error: No valid requests recorded within time interval. All 5 requests that ended in " +
    `it failed; most often (5×): ${cause}. Fix that first: a larger time window helps only when ` +
    "requests take longer than the window.\n";
}

Deno.test("ten interim 100 responses fail each request instead of deadlocking the connection", async () => {
  const r = await against("HTTP/1.1 100 Continue\r\n\r\n".repeat(10) + reply("200 OK", INFER_OK));
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 3);
  assert.ok(
    r.stderr.endsWith(noValid("more than 8 interim (1xx) responses")),
    r.stderr,
  );
});

Deno.test("eight interim 100 responses are skipped and every request succeeds", async () => {
  const r = await against("HTTP/1.1 100 Continue\r\n\r\n".repeat(8) + reply("200 OK", INFER_OK));
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {4}Request count: 5$/m);
});

Deno.test("a reply announcing a terabyte body fails at the response cap, nothing buffered", async () => {
  const r = await against("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n{");
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 3);
  assert.ok(
    r.stderr.endsWith(noValid("response larger than 1073741824 bytes (the cap)")),
    r.stderr,
  );
});

Deno.test("--request-timeout: no reported success is slower than the timeout", async () => {
  // Half the requests compute past the 5 ms timeout: they must all be failures, and no request
  // that came back late (its timer delayed by a busy loop) may slip into the latencies.
  // Enough instances that a timed-out request still computing never queues the next one.
  const compute = { kind: "uniform" as const, minUs: 1000, maxUs: 9000 };
  await withServer({ computeUs: compute, instances: 16 }, async (server) => {
    const r = await runChild([
      ...["-m", "simple", "-u", server.url, "--concurrency-range", "2"],
      ...["-p", "500", "-s", "100000", "--request-timeout", "5"],
    ], { timeoutMs: 60_000 });
    assert.equal(r.code, 0, r.stderr);
    const p99 = Number(r.stdout.match(/^ {4}p99 latency: (\d+) usec$/m)![1]);
    // Without the fix p99 was 20-95 ms. The margin is not slack in the check: latency counts from
    // the moment the closed loop readied the request, the timeout from its send a few µs later
    // (more on a busy machine), and percentiles carry the histogram's 0.1 % precision.
    assert.ok(p99 <= 5000 * 1.1, `p99 ${p99} usec is over the 5 ms timeout`);
    const failed = r.stdout.match(/^ {4}Failed requests: (\d+) \(no response within 5 ms: \1\)$/m);
    assert.ok(failed !== null && Number(failed[1]) > 0, r.stdout);
  });
});

Deno.test("metadata announcing a 10^12-element input is refused naming it, no allocation", async () => {
  const huge = METADATA.replace('"shape":[4]}', '"shape":[-1,1,1000000000000]}');
  assert.notEqual(huge, METADATA);
  const r = await against(reply("200 OK", INFER_OK), huge);
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 99);
  assert.ok(
    r.stderr.endsWith(
      "error: input IN: 4000000000000 bytes per request (INT32 [1,1,1000000000000], shape " +
        "from the model's metadata), over the limit of 1073741824 bytes per input\n",
    ),
    r.stderr,
  );
});

Deno.test("statistics with a counter that is not a safe whole number: a warning, no Server block", async () => {
  const stats = JSON.stringify({
    model_stats: [{ name: "m", version: "1", inference_count: "many", execution_count: 2 ** 60 }],
  });
  const r = await against(reply("200 OK", INFER_OK), METADATA, stats);
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^Warning: server statistics unusable \(failed to get model statistics: inference_count of 'm' is "many", not a whole number from 0 to 2\^53 - 1\); no server-side breakdown will be reported\.$/m,
  );
  assert.match(r.stdout, /^ {4}Request count: 5$/m);
  assert.doesNotMatch(r.stdout, /^ {2}Server: $/m);
});

Deno.test("200 replies that are not well-formed inference responses are failures, not successes", async () => {
  const cases: [string, string][] = [
    [
      reply("200 OK", "{this is not json"),
      "inference response JSON is cut short (no closing brace)",
    ],
    [
      "HTTP/1.1 200 OK\r\nInference-Header-Content-Length: 10\r\nContent-Length: 31\r\n\r\n" +
      '{"model_name":"m","outputs":[]}',
      "inference response JSON is cut short (no closing brace)",
    ],
    [
      reply("200 OK", '{"outputs":[{"parameters":{"binary_data_size":8}}]}'),
      "inference response announces 8 bytes of binary outputs, the body holds 0",
    ],
  ];
  for (const [answer, cause] of cases) {
    const r = await against(answer);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.endsWith(noValid(cause)), r.stderr);
  }
});

Deno.test("a Content-Length 20 bytes short fails that request only: the next reply is a success", async () => {
  const short = `HTTP/1.1 200 OK\r\nContent-Length: ${INFER_OK.length - 20}\r\n\r\n${INFER_OK}`;
  const r = await against((call) => call === 2 ? short : reply("200 OK", INFER_OK));
  assert.equal(r.timedOut, false);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^ {4}Request count: 4$/m);
  assert.match(
    r.stdout,
    /^ {4}Failed requests: 1 \(inference response JSON is cut short \(no closing brace\): 1\)$/m,
  );
});

/** Runs `-i grpc -m m` with `args` against the Triton gRPC fake answering inferences by `infer`. */
async function againstGrpc(infer: (call: number) => FakeReply, args = ["--request-count", "5"]) {
  const peer = startTritonFake(infer);
  try {
    const r = await runChild(["-i", "grpc", "-m", "m", "-u", peer.url, ...args], {
      timeoutMs: 30_000,
    });
    return { ...r, inferCalls: peer.inferCalls() };
  } finally {
    await peer.close();
  }
}

Deno.test("gRPC replies that are not a ModelInferResponse are failures, not successes", async () => {
  const ok = inferOk();
  const cases: [FakeReply, string][] = [
    [
      { message: new TextEncoder().encode("this is not protobuf") },
      "malformed ModelInferResponse: unsupported wire type 4",
    ],
    [
      { message: ok.subarray(0, ok.length - 3) },
      "malformed ModelInferResponse: field length exceeds the message",
    ],
    [
      { message: ok, compressed: true },
      "cannot decompress a response: a compressed message, but the response has no grpc-encoding",
    ],
  ];
  for (const [answer, cause] of cases) {
    const r = await againstGrpc(() => answer);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.endsWith(noValid(cause)), r.stderr);
  }
  // The same fake with well-formed replies: every request succeeds.
  const good = await againstGrpc(() => ({ message: ok }));
  assert.equal(good.code, 0, good.stderr);
  assert.match(good.stdout, /^ {4}Request count: 5$/m);
});

for (const streaming of [false, true]) {
  Deno.test(`gRPC calls a graceful GOAWAY refused are sent again (${streaming ? "streaming" : "unary"}): no failures, every call processed once`, async () => {
    // Each connection's 25th call is answered with a GOAWAY naming it the last stream
    // processed: the calls in flight behind it were never processed and go again on a new
    // connection.
    const ok = inferOk();
    const r = await againstGrpc((call) => call % 25 === 0 ? "goaway" : { message: ok }, [
      ...["--concurrency-range", "8", "--request-count", "200"],
      ...(streaming ? ["--streaming"] : []),
    ]);
    assert.equal(r.timedOut, false);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {4}Request count: 200$/m);
    assert.doesNotMatch(r.stdout, /Failed requests/);
    assert.equal(r.inferCalls, 200, "the peer processed exactly the calls the tool counted");
  });
}
