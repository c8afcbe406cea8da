/**
 * A tiny scripted HTTP/2 gRPC server for tests of the hand-written client: what real servers
 * and proxies do only now and then (GOAWAY after N calls, RST_STREAM, a dropped socket) on
 * cue. Each finished request gets the behaviour `script` picks by its 1-based call number.
 * Listens on 127.0.0.1 with an OS-chosen port.
 */
import {
  ErrorCode,
  Flag,
  frame,
  FRAME_HEADER,
  FrameType,
  goaway,
  PREFACE,
  readFrameHeader,
  rstStream,
  Setting,
  settingsFrame,
  windowUpdate,
} from "../../../wire/h2/frames.ts";
import { encodeHeaders } from "../../../wire/h2/hpack.ts";
import { concat } from "../../../wire/bytes.ts";

/** ok: an empty message and grpc-status 0; goaway: ok, then GOAWAY naming this stream last. */
export type FakeReply = "ok" | "rst" | "drop" | "goaway";

export interface FakeServer {
  readonly hostname: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: () => number;
  close(): Promise<void>;
}

const RESPONSE_HEADERS = encodeHeaders([[":status", "200"], ["content-type", "application/grpc"]]);
const TRAILERS = encodeHeaders([["grpc-status", "0"]]);
const EMPTY_MESSAGE = new Uint8Array(5);

function reply(streamId: number): Uint8Array {
  return concat(
    concat(
      frame(FrameType.HEADERS, Flag.END_HEADERS, streamId, RESPONSE_HEADERS),
      frame(FrameType.DATA, 0, streamId, EMPTY_MESSAGE),
    ),
    frame(FrameType.HEADERS, Flag.END_HEADERS | Flag.END_STREAM, streamId, TRAILERS),
  );
}

/** `maxStreams` is sent as SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond it are refused. */
export function startFake(script: (call: number) => FakeReply, maxStreams?: number): FakeServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.TcpConn>();
  const served: Promise<void>[] = [];
  let calls = 0;
  let accepted = 0;

  async function serve(conn: Deno.TcpConn): Promise<void> {
    conn.setNoDelay(true);
    const write = (bytes: Uint8Array) => conn.write(bytes).catch(() => 0);
    await write(
      settingsFrame(maxStreams === undefined ? [] : [[Setting.MAX_CONCURRENT_STREAMS, maxStreams]]),
    );
    let open = 0;
    const refused = new Set<number>();
    let buf: Uint8Array = new Uint8Array(0);
    let prefaceSeen = false;
    let goneAway = false;
    const chunk = new Uint8Array(64 * 1024);
    // Bounded by the client: each pass handles one read until it closes the socket.
    for (;;) {
      const n = await conn.read(chunk).catch(() => null);
      if (n === null) return;
      buf = concat(buf, chunk.subarray(0, n));
      if (!prefaceSeen) {
        if (buf.length < PREFACE.length) continue;
        buf = buf.subarray(PREFACE.length);
        prefaceSeen = true;
      }
      // Bounded by the bytes read.
      while (buf.length >= FRAME_HEADER) {
        const h = readFrameHeader(buf, 0);
        if (buf.length < FRAME_HEADER + h.length) break;
        buf = buf.subarray(FRAME_HEADER + h.length);
        if (h.type === FrameType.SETTINGS && (h.flags & Flag.ACK) === 0) {
          await write(frame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(0)));
        }
        // Credit back what the client sent, as real servers do, so long runs never stall.
        if (h.type === FrameType.DATA && h.length > 0) await write(windowUpdate(0, h.length));
        if (h.type === FrameType.HEADERS && ++open > (maxStreams ?? Infinity)) {
          open--;
          refused.add(h.streamId);
          await write(rstStream(h.streamId, ErrorCode.REFUSED_STREAM));
          continue;
        }
        const ended = (h.type === FrameType.DATA || h.type === FrameType.HEADERS) &&
          (h.flags & Flag.END_STREAM) !== 0;
        if (!ended || goneAway || refused.has(h.streamId)) continue;
        open--;
        const action = script(++calls);
        if (action === "drop") {
          conn.close();
          return;
        }
        if (action === "rst") await write(rstStream(h.streamId, ErrorCode.INTERNAL_ERROR));
        else if (action === "ok") await write(reply(h.streamId));
        else {
          // One write, so the client sees the GOAWAY right after the reply.
          await write(concat(reply(h.streamId), goaway(h.streamId, ErrorCode.NO_ERROR)));
          goneAway = true;
        }
      }
    }
  }

  const accepting = (async () => {
    // Bounded by close(), which ends the listener.
    for await (const conn of listener) {
      accepted++;
      conns.add(conn);
      served.push(
        serve(conn).finally(() => {
          conns.delete(conn);
          try {
            conn.close();
          } catch { /* already closed */ }
        }),
      );
    }
  })();

  return {
    hostname: "127.0.0.1",
    port: (listener.addr as Deno.NetAddr).port,
    connections: () => accepted,
    async close() {
      listener.close();
      await accepting.catch(() => {});
      for (const c of conns) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
      await Promise.all(served);
    },
  };
}
