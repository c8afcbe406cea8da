/**
 * Every network wait is bounded: control calls (HTTP and gRPC) against a peer that accepts and
 * never answers end with an error naming the call and the address, and --request-timeout bounds
 * unary gRPC calls as it bounds HTTP requests.
 */
import assert from "node:assert/strict";
import { systemClock } from "../core/clock.ts";
import { RunError } from "../core/errors.ts";
import { TransportError } from "../wire/net/transport_error.ts";
import { HttpLinks } from "../backends/net/http_links.ts";
import { resolveHttpTarget } from "../backends/net/http_url.ts";
import { CONTROL_TIMEOUT_MS, controlTimeoutMs } from "../backends/net/control_timeout.ts";
import { TritonGrpcBackend } from "../backends/triton/grpc.ts";
import { tritonOptions } from "../backends/triton/testing/options.ts";
import { H2Endpoint } from "../backends/net/h2_endpoint.ts";
import { H2UnaryChannel } from "../backends/net/h2_unary_channel.ts";
import { grpcTimeout, PreparedGrpcCall, requestHeaderBlock } from "../backends/net/h2_grpc_call.ts";
import { GrpcCode } from "../backends/net/grpc_status.ts";
import { RequestRecord } from "../core/measure/record.ts";
import { runChild } from "./child_process.ts";
import { withServer } from "./cli_harness.ts";
import { startServer } from "../server/mod.ts";
import { simpleSpec } from "../conformance/fixture.ts";
import type { Clock } from "../core/clock.ts";
import { H2StreamChannel } from "../backends/triton/h2_stream_channel.ts";
import { PreparedGrpcInfer } from "../backends/triton/grpc_infer_request.ts";
import { silentPeer } from "./silent_peer.ts";

/** Awaits `work` and returns its error and how long it took. */
async function timed(work: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const t0 = performance.now();
  try {
    await work;
    return { error: undefined, ms: performance.now() - t0 };
  } catch (error) {
    return { error, ms: performance.now() - t0 };
  }
}

Deno.test("control calls are bounded by max(30 s, --request-timeout)", () => {
  assert.equal(CONTROL_TIMEOUT_MS, 30_000);
  assert.equal(controlTimeoutMs(), 30_000);
  assert.equal(controlTimeoutMs(500), 30_000);
  assert.equal(controlTimeoutMs(45_000), 45_000);
});

Deno.test("an HTTP control call to a peer that never answers fails naming the address", async () => {
  const peer = silentPeer();
  const target = resolveHttpTarget(`127.0.0.1:${peer.port}`, undefined);
  const links = new HttpLinks(target, { headers: [], controlTimeoutMs: 200 }, systemClock);
  try {
    const { error, ms } = await timed(links.control.get("/v2"));
    assert.ok(error instanceof TransportError, String(error));
    assert.equal(error.message, `no answer from 127.0.0.1:${peer.port} within 200 ms`);
    assert.ok(ms >= 190 && ms < 5_000, `${ms} ms`);
    // The aborted exchange freed the connection: the next call is bounded the same way.
    const again = await timed(links.control.get("/v2"));
    assert.ok(again.error instanceof TransportError, String(again.error));
    assert.ok(again.ms < 5_000, `${again.ms} ms`);
  } finally {
    links.close();
    await peer.close();
  }
});

Deno.test("gRPC describe() against a peer that never answers is a run error naming the call", async () => {
  const peer = silentPeer();
  const backend = new TritonGrpcBackend(
    tritonOptions(`127.0.0.1:${peer.port}`),
    systemClock,
    { controlTimeoutMs: 300 },
  );
  try {
    const { error, ms } = await timed(backend.describe("m", ""));
    assert.ok(error instanceof RunError, String(error));
    assert.equal(
      error.message,
      `failed to get model metadata: no answer from 127.0.0.1:${peer.port} within 300 ms`,
    );
    // One bounded call: a server that did not answer is not asked again.
    assert.ok(ms >= 290 && ms < 2_000, `${ms} ms`);
  } finally {
    await backend.close();
    await peer.close();
  }
});

Deno.test("grpc-timeout values use milliseconds up to 8 digits, then seconds", () => {
  assert.equal(grpcTimeout(5), "5m");
  assert.equal(grpcTimeout(30_000), "30000m");
  assert.equal(grpcTimeout(99_999_999), "99999999m");
  assert.equal(grpcTimeout(100_000_000), "100000S");
});

Deno.test("a unary gRPC call the peer never answers is a timeout, then the channel is free", async () => {
  const peer = silentPeer();
  const endpoint = new H2Endpoint("127.0.0.1", peer.port);
  const block = requestHeaderBlock("/x.Y/Z", `127.0.0.1:${peer.port}`, []);
  const ch = new H2UnaryChannel(
    endpoint,
    block,
    systemClock,
    PreparedGrpcCall,
    () => {},
    undefined,
    150,
  );
  const prepared = new PreparedGrpcCall(new Uint8Array([1, 2, 3]));
  try {
    for (let i = 0; i < 2; i++) {
      const rec = new RequestRecord();
      const { ms } = await timed(ch.send(prepared, rec));
      assert.equal(rec.outcome, "timeout");
      assert.equal(rec.error, "no response within 150 ms");
      assert.equal(rec.status, GrpcCode.DEADLINE_EXCEEDED);
      assert.ok(ms >= 140 && ms < 2_000, `${ms} ms`);
    }
  } finally {
    ch.close();
    await endpoint.close();
    await peer.close();
  }
});

const GRPC_MODES: [string, string[]][] = [
  ["Triton unary", []],
  ["Triton streaming", ["--streaming"]],
  ["TF Serving", ["--service-kind", "tfserving"]],
];

for (const [mode, flags] of GRPC_MODES) {
  Deno.test(`--request-timeout with -i grpc (${mode}): no reported success is slower than the timeout`, async () => {
    // Half the requests compute past the 5 ms timeout: they must all be failures, and none that
    // came back late may slip into the latencies. Enough instances that a timed-out request
    // still computing never queues the next one.
    const compute = { kind: "uniform" as const, minUs: 1000, maxUs: 9000 };
    const ports = { grpcPort: 0, tfservingPort: 0 };
    await withServer({ computeUs: compute, instances: 16, ...ports }, async (server) => {
      const url = flags.includes("tfserving") ? server.tfservingUrl! : server.grpcUrl!;
      const r = await runChild([
        ...["-m", "simple", "-i", "grpc", ...flags, "-u", url],
        ...["--concurrency-range", "2", "-p", "500", "-s", "100000", "--request-timeout", "5"],
      ], { timeoutMs: 60_000 });
      assert.equal(r.code, 0, r.stderr);
      const p99 = Number(r.stdout.match(/^ {4}p99 latency: (\d+) usec$/m)![1]);
      // As over HTTP: latency counts from the moment the loop readied the request, the timeout
      // from its send, and percentiles carry the histogram's 0.1 % precision.
      assert.ok(p99 <= 5000 * 1.1, `p99 ${p99} usec is over the 5 ms timeout`);
      const failed = r.stdout.match(
        /^ {4}Failed requests: (\d+) \(no response within 5 ms: \1\)$/m,
      );
      assert.ok(failed !== null && Number(failed[1]) > 0, r.stdout);
      // Successes too: the timeout fails the slow requests, not the run.
      assert.ok(Number(r.stdout.match(/^ {4}Request count: (\d+)$/m)![1]) > 0, r.stdout);
    });
  });
}

Deno.test("a streaming request the peer never answers is a timeout, then the channel is free", async () => {
  const peer = silentPeer();
  const endpoint = new H2Endpoint("127.0.0.1", peer.port);
  const block = requestHeaderBlock("/x.Y/Z", `127.0.0.1:${peer.port}`, []);
  const ch = new H2StreamChannel(endpoint, block, systemClock, () => {}, false, 150);
  const prepared = new PreparedGrpcInfer(new Uint8Array([1, 2, 3]), false);
  try {
    for (let i = 0; i < 2; i++) {
      const rec = new RequestRecord();
      const { ms } = await timed(ch.send(prepared, rec));
      assert.equal(rec.outcome, "timeout");
      assert.equal(rec.error, "no response within 150 ms");
      assert.ok(ms >= 140 && ms < 2_000, `${ms} ms`);
    }
  } finally {
    ch.close();
    await endpoint.close();
    await peer.close();
  }
});

Deno.test("a gRPC reply that arrives past the deadline before the timer ran is a timeout", async () => {
  // The clock jumps 2 s once the request is out, as a busy event loop that runs the 1 s timer
  // late would see it: the reply then ended past the deadline and must not count as a success.
  let skewNs = 0;
  const clock: Clock = { ...systemClock, nowNs: () => systemClock.nowNs() + skewNs };
  const server = await startServer({ grpcPort: 0 });
  try {
    for (const streaming of [false, true]) {
      skewNs = 0;
      const options = tritonOptions(server.grpcUrl!, { requestTimeoutMs: 1000, streaming });
      const backend = new TritonGrpcBackend(options, clock);
      try {
        await backend.describe("simple", "");
        const prepared = backend.prepare(simpleSpec(1));
        const ch = await backend.connect();
        const onTime = new RequestRecord();
        await ch.send(prepared, onTime);
        assert.equal(onTime.outcome, "ok", onTime.error);
        const late = new RequestRecord();
        const sent = ch.send(prepared, late);
        skewNs = 2e9;
        await sent;
        assert.equal(late.outcome, "timeout", `streaming ${streaming}`);
        assert.equal(late.error, "no response within 1000 ms");
        ch.close();
      } finally {
        await backend.close();
      }
    }
  } finally {
    await server.close();
  }
});
