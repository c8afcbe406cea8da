/**
 * Every network wait is bounded: control calls (HTTP and gRPC) against a peer that accepts and
 * never answers end with an error naming the call and the address.
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

/** A loopback peer that accepts connections, reads everything and never answers. */
function silentPeer() {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) {
      conns.push(conn);
      (async () => {
        const buf = new Uint8Array(4096);
        try {
          while (await conn.read(buf) !== null) { /* hold the call */ }
        } catch { /* closed below */ }
      })();
    }
  })().catch(() => {});
  return {
    port: listener.addr.port,
    async close() {
      listener.close();
      for (const c of conns) {
        try {
          c.close();
        } catch { /* the client closed it first */ }
      }
      await accepting;
    },
  };
}

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
