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
import { encodeHeaders, type HeaderList, HpackDecoder } from "../../../wire/h2/hpack.ts";
import { concat, joinBytes } from "../../../wire/bytes.ts";
import { frameMessage } from "../../../wire/grpc/framing.ts";

/**
 * ok: an empty message and grpc-status 0; goaway: ok, then GOAWAY naming this stream last (the
 * streams after it go unanswered and uncounted, as a server refuses them); refuse: GOAWAY
 * naming no stream processed, this call unanswered and uncounted; or a reply spelled out
 * (FakeMessage).
 */
export type FakeReply = "ok" | "rst" | "drop" | "goaway" | "refuse" | FakeMessage;

/** A reply of one message (none: trailers only) with a grpc-status and extra headers. */
export interface FakeMessage {
  message?: Uint8Array;
  /** The message's compressed flag, whatever its bytes. */
  compressed?: boolean;
  /** Extra response headers, e.g. grpc-encoding. */
  headers?: [string, string][];
  /** grpc-status; default 0. */
  status?: number;
}

export interface FakeServer {
  readonly hostname: string;
  readonly port: number;
  /** Connections accepted so far. */
  readonly connections: () => number;
  /** Calls the script answered (not those refused by a GOAWAY). */
  readonly calls: () => number;
  close(): Promise<void>;
}

const OK: FakeMessage = { message: new Uint8Array(0) };

/**
 * The frames of a reply: response headers unless `opened` (a stream already answered), the
 * message if any, and trailers unless `keepOpen` (a bidirectional stream carrying on).
 */
function reply(streamId: number, r: FakeMessage, opened = false, keepOpen = false): Uint8Array {
  const head: HeaderList = [[":status", "200"], ["content-type", "application/grpc"]];
  head.push(...r.headers ?? []);
  const status: HeaderList = [["grpc-status", String(r.status ?? 0)]];
  const endFlags = Flag.END_HEADERS | Flag.END_STREAM;
  if (r.message === undefined) {
    return frame(
      FrameType.HEADERS,
      endFlags,
      streamId,
      encodeHeaders(opened ? status : [...head, ...status]),
    );
  }
  const frames = [frame(FrameType.DATA, 0, streamId, frameMessage(r.message, r.compressed))];
  if (!opened) {
    frames.unshift(frame(FrameType.HEADERS, Flag.END_HEADERS, streamId, encodeHeaders(head)));
  }
  if (!keepOpen) frames.push(frame(FrameType.HEADERS, endFlags, streamId, encodeHeaders(status)));
  return joinBytes(frames);
}

/**
 * `script` picks each call's reply by its 1-based number and its :path. `maxStreams` is sent
 * as SETTINGS_MAX_CONCURRENT_STREAMS; streams beyond it are refused. On a stream whose path
 * `bidi` accepts each DATA frame is a call of its own (one message), answered on the open
 * stream; the client's end of it gets the trailers.
 */
export function startFake(
  script: (call: number, path: string) => FakeReply,
  maxStreams?: number,
  bidi: (path: string) => boolean = () => false,
): FakeServer {
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
    /** The last stream processed, lowered by a GOAWAY. */
    let lastId = 2 ** 31 - 1;
    /** Bidirectional streams whose response headers went out. */
    const answered = new Set<number>();
    const hpack = new HpackDecoder();
    const paths = new Map<number, string>();
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
        const payload = buf.subarray(FRAME_HEADER, FRAME_HEADER + h.length);
        buf = buf.subarray(FRAME_HEADER + h.length);
        if (h.type === FrameType.SETTINGS && (h.flags & Flag.ACK) === 0) {
          await write(frame(FrameType.SETTINGS, Flag.ACK, 0, new Uint8Array(0)));
        }
        // Credit back what the client sent, as real servers do, so long runs never stall.
        if (h.type === FrameType.DATA && h.length > 0) await write(windowUpdate(0, h.length));
        if (h.type === FrameType.HEADERS) {
          // The client sends no padding or priority, so the payload is the header block.
          const path = hpack.decode(payload).find(([name]) => name === ":path");
          paths.set(h.streamId, path?.[1] ?? "");
        }
        if (h.type === FrameType.HEADERS && ++open > (maxStreams ?? Infinity)) {
          open--;
          refused.add(h.streamId);
          await write(rstStream(h.streamId, ErrorCode.REFUSED_STREAM));
          continue;
        }
        const ended = (h.type === FrameType.DATA || h.type === FrameType.HEADERS) &&
          (h.flags & Flag.END_STREAM) !== 0;
        // After a GOAWAY the streams above its last id are never processed.
        if (h.streamId > lastId || refused.has(h.streamId)) continue;
        const path = paths.get(h.streamId) ?? "";
        const stream = bidi(path);
        if (ended) {
          open--;
          paths.delete(h.streamId);
        }
        if (stream && ended) {
          await write(reply(h.streamId, {}, answered.has(h.streamId)));
          answered.delete(h.streamId);
          continue;
        }
        if (stream ? h.type !== FrameType.DATA || h.length === 0 : !ended) continue;
        const action = script(++calls, path);
        if (action === "drop") {
          conn.close();
          return;
        }
        const opened = answered.has(h.streamId);
        if (stream) answered.add(h.streamId);
        const answer = (r: FakeMessage) => reply(h.streamId, r, opened, stream);
        if (action === "rst") await write(rstStream(h.streamId, ErrorCode.INTERNAL_ERROR));
        else if (action === "ok") await write(answer(OK));
        else if (action === "refuse") {
          calls--;
          await write(goaway(0, ErrorCode.NO_ERROR));
          lastId = 0;
        } else if (action !== "goaway") await write(answer(action));
        else {
          // One write, so the client sees the GOAWAY right after the reply.
          await write(concat(answer(OK), goaway(h.streamId, ErrorCode.NO_ERROR)));
          lastId = h.streamId;
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
    calls: () => calls,
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
