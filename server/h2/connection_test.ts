/**
 * The server side of the HTTP/2 connection core against a raw peer that writes frames by
 * hand: flow control in both directions to the byte, PING, and the RFC 9113 §5.1 answers to
 * DATA on streams that are closed or were never opened.
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
  windowUpdate,
} from "../../wire/h2/frames.ts";
import { dataBytes, type Frame, RawPeer, word } from "../../wire/h2/testing/raw_peer.ts";
import { encodeHeaders } from "../../wire/h2/hpack.ts";
import { H2ServerConnection, type StreamHandler } from "./connection.ts";

/** One server connection on a loopback socket, with its raw peer. */
async function withConnection(
  handler: StreamHandler,
  fn: (peer: RawPeer) => Promise<void>,
): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await Deno.connect({ hostname: "127.0.0.1", port: listener.addr.port });
  const server = new H2ServerConnection(await accepted, handler);
  const served = server.run();
  try {
    await fn(new RawPeer(client));
  } finally {
    client.close();
    server.close();
    await served;
    listener.close();
  }
}

const request = (id: number, flags: number) =>
  frame(
    FrameType.HEADERS,
    Flag.END_HEADERS | flags,
    id,
    encodeHeaders([[":method", "POST"], [":path", "/x"]]),
  );
const isPingAck = (f: Frame) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0;

Deno.test("h2 server: DATA stops at the peer's stream window and resumes on WINDOW_UPDATE", async () => {
  const answer = (stream: Parameters<StreamHandler>[0]) => {
    stream.respond([[":status", "200"]]);
    stream.write(new Uint8Array(100).fill(7));
    stream.end([["grpc-status", "0"]]);
  };
  await withConnection(answer, async (peer) => {
    const ping = Uint8Array.of(1, 2, 3, 4, 5, 6, 7, 8);
    await peer.write(
      PREFACE,
      settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 10]]),
      request(1, Flag.END_STREAM),
    );
    await peer.write(frame(FrameType.PING, 0, 0, ping));
    // Everything the server could send went out before it answered the PING.
    const first = await peer.until(isPingAck);
    assert.deepEqual([...first.at(-1)!.payload], [...ping]);
    assert.ok(first.some((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK));
    assert.equal(dataBytes(first), 10);
    assert.ok(!first.some((f) => f.type === FrameType.HEADERS && f.flags & Flag.END_STREAM));
    await peer.write(windowUpdate(1, 90));
    const rest = await peer.until((f) => f.type === FrameType.HEADERS);
    assert.equal(dataBytes(rest), 90);
    assert.ok(rest.at(-1)!.flags & Flag.END_STREAM, "trailers end the stream");
  });
});

Deno.test("h2 server: a stream's received DATA is acknowledged at half its window", async () => {
  const received: number[] = [];
  await withConnection((stream) => {
    stream.ondata = (chunk) => received.push(chunk.length);
  }, async (peer) => {
    await peer.write(PREFACE, settingsFrame([]), request(1, 0));
    const chunk = frame(FrameType.DATA, 0, 1, new Uint8Array(16_384));
    // 2 MiB, half of the 4 MiB stream window the server advertises.
    await peer.write(...Array.from({ length: 128 }, () => chunk));
    const frames = await peer.until((f) => f.type === FrameType.WINDOW_UPDATE && f.streamId === 1);
    assert.equal(word(frames.at(-1)!.payload, 0), 2 << 20);
    assert.equal(received.reduce((a, b) => a + b, 0), 2 << 20);
  });
});

Deno.test("h2 server: DATA on a closed stream resets it, on an idle one ends the connection", async () => {
  await withConnection((stream) => stream.endWithHeaders([[":status", "200"]]), async (peer) => {
    await peer.write(PREFACE, settingsFrame([]), request(1, Flag.END_STREAM));
    await peer.write(frame(FrameType.DATA, 0, 1, Uint8Array.of(1)));
    const reset = (await peer.until((f) => f.type === FrameType.RST_STREAM)).at(-1)!;
    assert.equal(reset.streamId, 1);
    assert.equal(word(reset.payload, 0), ErrorCode.STREAM_CLOSED);
    await peer.write(frame(FrameType.DATA, 0, 3, Uint8Array.of(1)));
    const away = (await peer.until((f) => f.type === FrameType.GOAWAY)).at(-1)!;
    assert.equal(word(away.payload, 0), 1, "the last stream the server processed");
    assert.equal(word(away.payload, 4), ErrorCode.PROTOCOL_ERROR);
  });
});
