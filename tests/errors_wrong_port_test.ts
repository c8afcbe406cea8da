/**
 * -u pointed at the other protocol's port: the error says which protocol answered and what to
 * change, after perf_analyzer's own wording. The reference server's HTTP port also speaks h2c
 * (so a gRPC client gets an HTTP/2 404 without gRPC); a real Triton HTTP port speaks only
 * HTTP/1.1, played here by raw loopback peers that answer the HTTP/2 preface with a 400 or a
 * close.
 */
import assert from "node:assert/strict";
import { runCli, withServer } from "./cli_harness.ts";
import { startRawServer } from "../wire/http1/testing/raw_server.ts";

const RUN = ["-m", "simple", "--request-count", "5"];
const GRPC_FIX = "drop -i grpc, or point -u at the gRPC port (Triton's default is 8001)";

Deno.test("-i grpc at the reference server's HTTP port: an HTTP/2 404 without gRPC", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    const address = `127.0.0.1:${server.httpPort}`;
    const r = await runCli([...RUN, "-u", address, "-i", "grpc"]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: Received HTTP status code 404 (content-type " +
        `'application/json', not gRPC): ${address} is an HTTP port, not gRPC: ${GRPC_FIX}\n`,
    );
  });
});

Deno.test("HTTP at the reference server's gRPC port: HTTP/2 frames instead of HTTP/1.1", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    const address = `127.0.0.1:${server.grpcPort}`;
    const r = await runCli([...RUN, "-u", address]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: HTTP client failed: Server closed the connection " +
        `before the response was complete (it answered in HTTP/2): ${address} is a gRPC port, ` +
        "not HTTP: add -i grpc, or point -u at the HTTP port (Triton's default is 8000)\n",
    );
  });
});

/**
 * Reads what the client sends (preface, SETTINGS, the call) until it has been quiet for
 * 200 ms, so the close that follows is a FIN, not a reset for unread bytes.
 */
async function readSome(conn: Deno.Conn): Promise<void> {
  const buf = new Uint8Array(4096);
  // Bounded: each pass either reads bytes the client sent or ends at the quiet timeout.
  for (;;) {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const quiet = new Promise<null>((resolve) => {
      timer = setTimeout(() => resolve(null), 200);
    });
    const n = await Promise.race([conn.read(buf), quiet]);
    clearTimeout(timer);
    if (n === null) return;
  }
}

Deno.test("-i grpc at an HTTP/1.1-only port that answers 400", async () => {
  const peer = startRawServer(async (conn) => {
    await readSome(conn);
    const reply = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    await conn.write(new TextEncoder().encode(reply));
  });
  try {
    const address = `127.0.0.1:${peer.port}`;
    const r = await runCli([...RUN, "-u", address, "-i", "grpc"]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: the server answered in HTTP/1.1: " +
        `${address} is an HTTP port, not gRPC: ${GRPC_FIX}\n`,
    );
  } finally {
    await peer.close();
  }
});

Deno.test("-i grpc at a port that closes on the HTTP/2 preface without a word", async () => {
  const peer = startRawServer(readSome);
  try {
    const address = `127.0.0.1:${peer.port}`;
    const r = await runCli([...RUN, "-u", address, "-i", "grpc"]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: Server closed the connection without answering in " +
        `HTTP/2: ${address} may be an HTTP port, not gRPC: ${GRPC_FIX}\n`,
    );
  } finally {
    await peer.close();
  }
});
