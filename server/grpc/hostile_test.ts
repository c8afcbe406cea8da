/**
 * Hostile gRPC / HTTP/2 clients against the reference server, over loopback raw sockets: each
 * abuse must end in the protocol's answer (a status, or GOAWAY and a closed connection)
 * without the server's memory ballooning, and the server must still serve a normal call.
 */
import assert from "node:assert/strict";
import {
  ErrorCode,
  Flag,
  frame,
  FrameType,
  PREFACE,
  Setting,
  settingsFrame,
} from "../../wire/h2/frames.ts";
import { encodeHeaders, HpackDecoder } from "../../wire/h2/hpack.ts";
import { type Frame, RawPeer, word } from "../../wire/h2/testing/raw_peer.ts";
import { FrameReader } from "../../wire/h2/frame_reader.ts";
import { frameMessage } from "../../wire/grpc/framing.ts";
import { GrpcCode } from "../../wire/grpc/status.ts";
import { connect, copyOf, type StreamReply } from "./testing/client.ts";
import { type ReferenceServer, startServer } from "../server.ts";
import { startServerWorker } from "../worker_client.ts";
import { gzipBomb, rssMib } from "../testing/hostile.ts";

const LIMIT = 1 << 20;
const INFER = "/inference.GRPCInferenceService/ModelInfer";

/** A normal call still gets its right answer. */
async function assertResponsive(server: { grpcUrl: string | undefined }): Promise<void> {
  const client = connect(server.grpcUrl!);
  try {
    const values = Float32Array.of(1.5, -2, 3);
    const reply = await client.call<{ raw_output_contents: Uint8Array[] }>("ModelInfer", {
      model_name: "identity_fp32",
      inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, 3] }],
      raw_input_contents: [new Uint8Array(values.buffer)],
    });
    assert.deepEqual([...new Float32Array(copyOf(reply.raw_output_contents[0]))], [1.5, -2, 3]);
  } finally {
    client.close();
  }
}

/** A raw HTTP/2 connection to the server's gRPC port, past the preface and SETTINGS. */
async function rawPeer(server: ReferenceServer): Promise<RawPeer> {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.grpcPort! });
  const peer = new RawPeer(conn);
  await peer.write(PREFACE, settingsFrame([]));
  return peer;
}

function requestHeaders(path: string, extra: [string, string][] = []): Uint8Array {
  return encodeHeaders([
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", "x"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...extra,
  ]);
}

/** The grpc-status and grpc-message the server ended stream 1 with. */
async function finalStatus(peer: RawPeer): Promise<Map<string, string>> {
  const frames = await peer.until((f) =>
    f.type === FrameType.HEADERS && f.streamId === 1 && (f.flags & Flag.END_STREAM) !== 0
  );
  return new Map(new HpackDecoder().decode(frames[frames.length - 1].payload));
}

/** `promise`'s value, or "late" when it takes longer than `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T | "late"> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => timer = setTimeout(() => resolve("late"), ms));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const isGoaway = (f: Frame) => f.type === FrameType.GOAWAY;

Deno.test("hostile gRPC: a 40 MB request in 16 KB DATA frames is deframed in linear time", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!, { "grpc.max_receive_message_length": -1 });
  try {
    const values = new Float32Array(10_000_000).fill(0.25);
    values[9_999_999] = 7;
    const started = performance.now();
    const reply = await client.call<{ raw_output_contents: Uint8Array[] }>("ModelInfer", {
      model_name: "identity_fp32",
      inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, values.length] }],
      raw_input_contents: [new Uint8Array(values.buffer)],
    });
    const ms = performance.now() - started;
    const out = new Float32Array(copyOf(reply.raw_output_contents[0]));
    assert.equal(out.length, values.length);
    assert.equal(out[9_999_999], 7);
    // Joining the buffer on every DATA frame took about 25 s of CPU for this.
    assert.ok(ms < 15_000, `${ms} ms`);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("hostile gRPC: one ModelStreamInfer stream of 40 MB is deframed in linear time", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!, { "grpc.max_receive_message_length": -1 });
  try {
    const values = new Float32Array(250_000).fill(0.5);
    const stream = client.stream();
    const lasts: number[] = [];
    const ended = new Promise<void>((resolve, reject) => {
      stream.on("data", (reply: StreamReply) => {
        const out = new Float32Array(copyOf(reply.infer_response!.raw_output_contents[0]));
        lasts.push(out[out.length - 1]);
      });
      stream.on("end", resolve);
      stream.on("error", reject);
    });
    const started = performance.now();
    for (let i = 0; i < 40; i++) {
      values[values.length - 1] = i;
      stream.write({
        model_name: "identity_fp32",
        inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, values.length] }],
        raw_input_contents: [new Uint8Array(values.slice().buffer)],
      });
    }
    stream.end();
    await ended;
    const ms = performance.now() - started;
    assert.deepEqual(lasts, Array.from({ length: 40 }, (_, i) => i));
    assert.ok(ms < 15_000, `${ms} ms`);
    assert.equal(server.groundTruth("identity_fp32").successCount, 40);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("hostile gRPC: a message announced above maxBodyBytes is RESOURCE_EXHAUSTED", async () => {
  const server = await startServer({ grpcPort: 0, maxBodyBytes: LIMIT });
  const peer = await rawPeer(server);
  try {
    // A prefix announcing 2 GiB; nothing of it is ever allocated.
    const prefix = Uint8Array.of(0, 0x7f, 0xff, 0xff, 0xff);
    await peer.write(
      frame(FrameType.HEADERS, Flag.END_HEADERS, 1, requestHeaders(INFER)),
      frame(FrameType.DATA, 0, 1, prefix),
    );
    const status = await finalStatus(peer);
    assert.equal(status.get("grpc-status"), String(GrpcCode.RESOURCE_EXHAUSTED));
    assert.equal(
      status.get("grpc-message"),
      `Received message larger than max (${0x7fffffff} vs. ${LIMIT})`,
    );
    await assertResponsive(server);
  } finally {
    peer.conn.close();
    await server.close();
  }
});

Deno.test("hostile gRPC: a gzip bomb stops at maxBodyBytes inflated, memory stays bounded", async () => {
  const bomb = await gzipBomb(512);
  assert.ok(bomb.length < LIMIT);
  const server = await startServer({ grpcPort: 0, maxBodyBytes: LIMIT });
  const peer = await rawPeer(server);
  try {
    const before = rssMib();
    const message = frameMessage(bomb, true);
    const frames = [
      frame(
        FrameType.HEADERS,
        Flag.END_HEADERS,
        1,
        requestHeaders(INFER, [["grpc-encoding", "gzip"]]),
      ),
    ];
    // DATA frames of 16 KiB, the default frame size.
    for (let at = 0; at < message.length; at += 1 << 14) {
      const end = Math.min(message.length, at + (1 << 14));
      frames.push(
        frame(
          FrameType.DATA,
          end === message.length ? Flag.END_STREAM : 0,
          1,
          message.subarray(at, end),
        ),
      );
    }
    await peer.write(...frames);
    const status = await finalStatus(peer);
    assert.equal(status.get("grpc-status"), String(GrpcCode.RESOURCE_EXHAUSTED));
    assert.equal(
      status.get("grpc-message"),
      `Received message inflates to more than max (${LIMIT} bytes)`,
    );
    const grown = rssMib() - before;
    assert.ok(grown < 200, `RSS grew ${grown} MiB`);
    // A small gzip message still inflates.
    const client = connect(server.grpcUrl!, { "grpc.default_compression_algorithm": 2 });
    try {
      assert.deepEqual(await client.call("ServerLive", {}), { live: true });
    } finally {
      client.close();
    }
    await assertResponsive(server);
  } finally {
    peer.conn.close();
    await server.close();
  }
});

Deno.test("hostile gRPC: a CONTINUATION flood ends at the header-list limit with PROTOCOL_ERROR", async () => {
  const server = await startServer({ grpcPort: 0 });
  const peer = await rawPeer(server);
  try {
    const fragment = new Uint8Array(1024).fill(0x40);
    const flood = [frame(FrameType.HEADERS, 0, 1, fragment)];
    for (let i = 0; i < 1000; i++) flood.push(frame(FrameType.CONTINUATION, 0, 1, fragment));
    // The server may close before it has read all of it.
    await peer.write(...flood).catch(() => {});
    const frames = await peer.until(isGoaway);
    const away = frames[frames.length - 1];
    assert.equal(word(away.payload, 4), ErrorCode.PROTOCOL_ERROR);
    // It told us the limit up front.
    const settings = frames.find((f) => f.type === FrameType.SETTINGS && f.flags === 0)!;
    const advertised = new Map<number, number>();
    for (let at = 0; at < settings.payload.length; at += 6) {
      advertised.set(
        (settings.payload[at] << 8) | settings.payload[at + 1],
        word(settings.payload, at + 2),
      );
    }
    assert.equal(advertised.get(Setting.MAX_HEADER_LIST_SIZE), 64 << 10);
    await assertResponsive(server);
  } finally {
    peer.conn.close();
    await server.close();
  }
});

Deno.test("hostile gRPC: an HPACK bomb (references to one large entry) is a PROTOCOL_ERROR", async () => {
  const server = await startServer({ grpcPort: 0 });
  const peer = await rawPeer(server);
  try {
    // A literal with incremental indexing: name "x", a 4000-byte value, into the table (62).
    const value = "v".repeat(4000);
    const literal = [
      0x40,
      1,
      0x78,
      0x7f,
      ...[4000 - 127].flatMap((n) => [0x80 | (n & 0x7f), n >> 7]),
    ];
    const block = Uint8Array.from([
      ...requestHeaders(INFER),
      ...literal,
      ...new TextEncoder().encode(value),
      // 1000 one-byte references: 4 MB of headers from a 5 KB block.
      ...new Array(1000).fill(0x80 | 62),
    ]);
    await peer.write(frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, 1, block));
    const frames = await peer.until(isGoaway);
    assert.equal(word(frames[frames.length - 1].payload, 4), ErrorCode.PROTOCOL_ERROR);
    await assertResponsive(server);
  } finally {
    peer.conn.close();
    await server.close();
  }
});

Deno.test("hostile gRPC: a PING and SETTINGS flood from a peer that never reads gets GOAWAY ENHANCE_YOUR_CALM", async () => {
  // In a Worker: a pause of this thread (its GC, the flood loop) must not look like the server
  // pausing its reads.
  const server = await startServerWorker({ grpcPort: 0, maxBodyBytes: LIMIT });
  const conn = await Deno.connect({ hostname: "127.0.0.1", port: server.grpcPort! });
  try {
    const before = rssMib();
    const ping = frame(FrameType.PING, 0, 0, new Uint8Array(8));
    const settings = settingsFrame([]);
    const batch = new Uint8Array(1000 * (ping.length + settings.length));
    for (let i = 0, at = 0; i < 1000; i++) {
      batch.set(ping, at);
      batch.set(settings, at + ping.length);
      at += ping.length + settings.length;
    }
    await conn.write(PREFACE);
    let written = 0;
    // Bounded: 64 MiB of frames, far more answers than the server may hold for us. A server
    // that gave up on us stops reading, so a write that hangs for 2 s ends the flood too (it
    // is left to fail when the socket closes); the server waits 10 s for us to read.
    while (written < 64 << 20) {
      const write = (async () => {
        for (let at = 0; at < batch.length;) at += await conn.write(batch.subarray(at));
      })();
      write.catch(() => {});
      if (await within(write.then(() => true, () => false), 2000) !== true) break;
      written += batch.length;
    }
    const grown = rssMib() - before;
    assert.ok(grown < 200, `RSS grew ${grown} MiB`);
    // Now read what it sent: answers until it gave up, then its GOAWAY, then the end.
    const reader = new FrameReader(1 << 20);
    let last: { type: number; code: number } | undefined;
    // Bounded: a server that never closes fails the test after 10 s without a byte.
    while (await within(reader.fill(conn).catch(() => false), 10_000) === true) {
      reader.frames((h, payload) => {
        last = { type: h.type, code: h.type === FrameType.GOAWAY ? word(payload, 4) : -1 };
      });
    }
    assert.deepEqual(last, { type: FrameType.GOAWAY, code: ErrorCode.ENHANCE_YOUR_CALM });
    await assertResponsive(server);
  } finally {
    conn.close();
    await server.close();
  }
});
