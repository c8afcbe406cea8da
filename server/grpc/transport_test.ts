import assert from "node:assert/strict";
import { Flag, frame, FrameType, PREFACE, readFrameHeader } from "../../wire/h2/frames.ts";
import { encodeHeaders, HpackDecoder } from "../../wire/h2/hpack.ts";
import { connect, copyOf } from "./testing/client.ts";
import { startServer } from "../server.ts";

function identity(values: Float32Array) {
  return {
    model_name: "identity_fp32",
    inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, values.length] }],
    raw_input_contents: [new Uint8Array(values.buffer)],
  };
}

Deno.test("gRPC transport: large messages both ways respect HTTP/2 flow control", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    // 400 KB each way, 25 times: beyond the client's 64 KB windows and our 8 MB refill mark.
    const values = Float32Array.from({ length: 100_000 }, (_, i) => i * 0.5);
    for (let i = 0; i < 25; i++) {
      const reply = await client.call<{ raw_output_contents: Uint8Array[] }>(
        "ModelInfer",
        identity(values),
      );
      const out = new Float32Array(copyOf(reply.raw_output_contents[0]));
      assert.equal(out.length, values.length);
      assert.equal(out[99_999], 99_999 * 0.5);
    }
    assert.equal(server.groundTruth("identity_fp32").successCount, 25);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC transport: gzip-compressed requests are inflated", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!, { "grpc.default_compression_algorithm": 2 });
  try {
    const values = new Float32Array(5000).fill(1.25);
    const reply = await client.call<{ raw_output_contents: Uint8Array[] }>(
      "ModelInfer",
      identity(values),
    );
    assert.deepEqual(Array.from(new Float32Array(copyOf(reply.raw_output_contents[0]))), [
      ...values,
    ]);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC transport: a client closing after hundreds of calls leaves the server up", async () => {
  const server = await startServer({ grpcPort: 0 });
  try {
    // Over ~110 streams then GOAWAY is what aborts node:http2 servers on Deno 2.9.
    const first = connect(server.grpcUrl!);
    for (let i = 0; i < 300; i++) await first.call("ServerLive", {});
    first.close();
    await new Promise((r) => setTimeout(r, 100));
    const second = connect(server.grpcUrl!);
    try {
      assert.deepEqual(await second.call("ServerReady", {}), { ready: true });
    } finally {
      second.close();
    }
  } finally {
    await server.close();
  }
});

/** Reads frames until the server closes the connection (bounded by the read count). */
async function readAll(
  conn: Deno.Conn,
): Promise<{ type: number; flags: number; payload: Uint8Array }[]> {
  const frames = [];
  let buf = new Uint8Array(0);
  for (let reads = 0; reads < 100; reads++) {
    const chunk = new Uint8Array(65536);
    const n = await conn.read(chunk).catch(() => null);
    if (n === null) break;
    const joined = new Uint8Array(buf.length + n);
    joined.set(buf);
    joined.set(chunk.subarray(0, n), buf.length);
    buf = joined;
    while (buf.length >= 9) {
      const h = readFrameHeader(buf, 0);
      if (buf.length < 9 + h.length) break;
      frames.push({ type: h.type, flags: h.flags, payload: buf.slice(9, 9 + h.length) });
      buf = buf.subarray(9 + h.length);
    }
    if (frames.some((f) => f.type === FrameType.HEADERS && f.flags & Flag.END_STREAM)) break;
  }
  return frames;
}

Deno.test("gRPC transport: raw HTTP/2 peers get GOAWAY for a bad preface, 415 for non-gRPC", async () => {
  const server = await startServer({ grpcPort: 0 });
  try {
    const bad = await Deno.connect({ hostname: "127.0.0.1", port: server.grpcPort! });
    await bad.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    const badFrames = await readAll(bad);
    bad.close();
    const away = badFrames.find((f) => f.type === FrameType.GOAWAY)!;
    assert.equal(new DataView(away.payload.buffer).getUint32(4), 1); // PROTOCOL_ERROR

    const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.grpcPort! });
    const headers = encodeHeaders([
      [":method", "POST"],
      [":scheme", "http"],
      [":path", "/inference.GRPCInferenceService/ServerLive"],
      [":authority", "x"],
      ["content-type", "text/plain"],
    ]);
    await conn.write(PREFACE);
    await conn.write(frame(FrameType.SETTINGS, 0, 0, new Uint8Array(0)));
    await conn.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, headers));
    const frames = await readAll(conn);
    conn.close();
    const reply = frames.find((f) => f.type === FrameType.HEADERS)!;
    assert.deepEqual(new HpackDecoder().decode(reply.payload), [[":status", "415"]]);
    assert.ok(frames.some((f) => f.type === FrameType.SETTINGS && f.flags === 0));
  } finally {
    await server.close();
  }
});
