/**
 * The client side of the HTTP/2 connection core against a raw server that writes frames by
 * hand: request DATA held at the server's stream window to the byte, END_STREAM on the frame
 * with the last byte, and the server's headers reaching the stream's listener.
 */
import assert from "node:assert/strict";
import {
  Flag,
  frame,
  FrameType,
  Setting,
  settingsFrame,
  windowUpdate,
} from "../../wire/h2/frames.ts";
import { encodeHeaders, type HeaderList } from "../../wire/h2/hpack.ts";
import { dataBytes, type Frame, RawPeer } from "../../wire/h2/testing/raw_peer.ts";
import { H2ClientConnection } from "./h2_client.ts";

const isPingAck = (f: Frame) => f.type === FrameType.PING && (f.flags & Flag.ACK) !== 0;

Deno.test("h2 client: request DATA stops at the server's stream window and resumes", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const accepted = listener.accept();
  const client = await H2ClientConnection.open("127.0.0.1", listener.addr.port);
  const peer = new RawPeer(await accepted);
  try {
    await peer.preface();
    await peer.write(settingsFrame([[Setting.INITIAL_WINDOW_SIZE, 10]]));
    await peer.until((f) => f.type === FrameType.SETTINGS && f.flags === Flag.ACK);
    let heard: HeaderList | undefined;
    const stream = client.request(encodeHeaders([[":method", "POST"]]), false, {
      onHeaders: (headers, end) => heard = end ? headers : undefined,
      onData: () => {},
      onError: (f) => assert.fail(f.message),
    });
    stream.sendData(new Uint8Array(100).fill(9), true);
    await peer.write(frame(FrameType.PING, 0, 0, new Uint8Array(8)));
    const first = await peer.until(isPingAck);
    assert.equal(dataBytes(first), 10);
    assert.ok(!first.some((f) => f.type === FrameType.DATA && f.flags & Flag.END_STREAM));
    await peer.write(windowUpdate(stream.id, 90));
    const rest = await peer.until((f) =>
      f.type === FrameType.DATA && !!(f.flags & Flag.END_STREAM)
    );
    assert.equal(dataBytes(rest), 90);
    assert.ok(rest.at(-1)!.payload.every((b) => b === 9));
    await peer.write(
      frame(
        FrameType.HEADERS,
        Flag.END_HEADERS | Flag.END_STREAM,
        stream.id,
        encodeHeaders([[":status", "200"]]),
      ),
      frame(FrameType.PING, 0, 0, new Uint8Array(8)),
    );
    await peer.until(isPingAck);
    assert.deepEqual(heard, [[":status", "200"]]);
    assert.ok(stream.done, "both sides ended: the stream is finished");
    assert.equal(client.activeStreams, 0);
  } finally {
    client.close();
    await client.closed;
    peer.conn.close();
    listener.close();
  }
});
