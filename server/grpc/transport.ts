/**
 * gRPC over the HTTP/2 streams of server/h2/connection.ts: routing by :path, length-prefixed
 * messages (gzip/deflate accepted), response headers, trailers with grpc-status, and the
 * "Trailers-Only" form for calls that fail before any message (gRPC PROTOCOL-HTTP2).
 */
import { gunzipSync, inflateSync } from "node:zlib";
import type { StreamHandler } from "../h2/connection.ts";
import type { HeaderList } from "../../wire/h2/hpack.ts";
import type { ServerStream } from "../h2/stream.ts";
import {
  frameMessage,
  framePieces,
  MessageReader,
  MessageTooLarge,
} from "../../wire/grpc/framing.ts";
import { GrpcCode } from "../../wire/grpc/status.ts";
import { Slab } from "./slab.ts";

export interface GrpcStatus {
  code: number;
  details: string;
}

const { OK, INTERNAL, UNIMPLEMENTED, RESOURCE_EXHAUSTED } = GrpcCode;

/** A message codec: bytes of one protobuf message to a value and back. */
export interface Codec {
  decode(bytes: Uint8Array): unknown;
  /**
   * The message's bytes, whole or as pieces in order; large pieces (tensor contents) are sent
   * from where they lie, uncopied, so they must not change afterwards.
   */
  encode(value: unknown): Uint8Array | readonly Uint8Array[];
}

export interface UnaryMethod extends Codec {
  kind: "unary";
  /** Resolves the response, or throws/rejects with a GrpcStatus-shaped error. */
  handle(request: unknown, metadata: ReadonlyMap<string, string>): unknown;
}

/** A bidirectional call as its handler sees it. */
export interface BidiCall {
  readonly metadata: ReadonlyMap<string, string>;
  onmessage: ((message: unknown) => void) | undefined;
  /** The client half-closed. */
  onend: (() => void) | undefined;
  /** The client cancelled or the connection went away. */
  oncancel: (() => void) | undefined;
  readonly cancelled: boolean;
  /** Sends one message; false once the call is over. */
  write(message: unknown): boolean;
  /** Ends the call with OK, or with the error's status. */
  finish(error?: GrpcStatus): void;
}

export interface BidiMethod extends Codec {
  kind: "bidi";
  open(call: BidiCall): void;
}

export type Method = UnaryMethod | BidiMethod;

/** grpc-message is percent-encoded outside printable ASCII (and '%' itself). */
function percentEncode(text: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(text)) {
    out += b >= 0x20 && b <= 0x7e && b !== 0x25 ? String.fromCharCode(b) : "%" +
      b.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

const RESPONSE_HEADERS: HeaderList = [
  [":status", "200"],
  ["content-type", "application/grpc"],
  ["grpc-accept-encoding", "identity,deflate,gzip"],
];

/** One response message on `stream`, framed. */
function writeMessage(stream: ServerStream, encoded: Uint8Array | readonly Uint8Array[]): void {
  if (encoded instanceof Uint8Array) return stream.write(frameMessage(encoded));
  for (const chunk of framePieces(encoded)) stream.write(chunk);
}

function statusHeaders(status: GrpcStatus): HeaderList {
  const list: HeaderList = [["grpc-status", String(status.code)]];
  if (status.code !== OK) list.push(["grpc-message", percentEncode(status.details)]);
  return list;
}

/** The status an exception stands for (a GrpcStatus-shaped error, or INTERNAL). */
export function statusOf(e: unknown): GrpcStatus {
  if (e instanceof MessageTooLarge) {
    return {
      code: RESOURCE_EXHAUSTED,
      details: `Received message larger than max (${e.length} vs. ${e.limit})`,
    };
  }
  const s = e as Partial<GrpcStatus> | undefined;
  if (typeof s?.code === "number" && typeof s.details === "string") {
    return { code: s.code, details: s.details };
  }
  return { code: INTERNAL, details: `internal error: ${(e as Error)?.message ?? e}` };
}

/**
 * Cuts the request body into messages of at most `maxMessage` bytes, inflating compressed ones
 * to at most as many. Each message handed on is its own copy (carved from a slab, see
 * slab.ts, unless the reader already gathered it into an array of its own): the stream's DATA
 * chunks are views of a reused read buffer, and decoded requests keep views of their message.
 */
function requestReader(
  encoding: string,
  maxMessage: number,
  onMessage: (message: Uint8Array) => void,
) {
  return new MessageReader((body, compressed, owned) => {
    onMessage(
      compressed ? inflate(encoding, body, maxMessage) : owned ? body : copies.copy(body),
    );
  }, maxMessage);
}

const copies = new Slab();

function inflate(encoding: string, body: Uint8Array, maxOutputLength: number): Uint8Array {
  try {
    if (encoding === "gzip") return gunzipSync(body, { maxOutputLength });
    if (encoding === "deflate") return inflateSync(body, { maxOutputLength });
  } catch (e) {
    // A compression bomb stops at the limit rather than filling memory.
    if ((e as { code?: string }).code === "ERR_BUFFER_TOO_LARGE") {
      throw {
        code: RESOURCE_EXHAUSTED,
        details: `Received message inflates to more than max (${maxOutputLength} bytes)`,
      };
    }
    throw {
      code: INTERNAL,
      details: `Cannot inflate ${encoding} message: ${(e as Error).message}`,
    };
  }
  throw { code: INTERNAL, details: "compressed message without a grpc-encoding" };
}

/**
 * Routes each HTTP/2 stream to its method by :path; unknown paths are UNIMPLEMENTED. Request
 * messages (inflated or not) above `maxMessage` bytes are RESOURCE_EXHAUSTED.
 */
export function grpcRouter(
  methods: ReadonlyMap<string, Method>,
  maxMessage: number,
): StreamHandler {
  return (stream) => {
    const h = stream.headers;
    if (
      h.get(":method") !== "POST" || !(h.get("content-type") ?? "").startsWith("application/grpc")
    ) {
      stream.endWithHeaders([[":status", "415"]]);
      return;
    }
    const path = h.get(":path") ?? "";
    const method = methods.get(path);
    const encoding = h.get("grpc-encoding") ?? "identity";
    if (method === undefined) {
      fail(stream, {
        code: UNIMPLEMENTED,
        details: `The server does not implement the method ${path}`,
      });
    } else if (!["identity", "gzip", "deflate"].includes(encoding)) {
      fail(stream, { code: UNIMPLEMENTED, details: `Unsupported grpc-encoding ${encoding}` });
    } else if (method.kind === "unary") {
      serveUnary(stream, method, encoding, maxMessage);
    } else {
      serveBidi(stream, method, encoding, maxMessage);
    }
  };
}

function decodeOrThrow(codec: Codec, bytes: Uint8Array): unknown {
  try {
    return codec.decode(bytes);
  } catch (e) {
    throw { code: INTERNAL, details: `Error deserializing request: ${(e as Error).message}` };
  }
}

/** Trailers-Only: the status in the only HEADERS frame. */
function fail(stream: ServerStream, status: GrpcStatus): void {
  stream.endWithHeaders([...RESPONSE_HEADERS, ...statusHeaders(status)]);
}

function serveUnary(
  stream: ServerStream,
  method: UnaryMethod,
  encoding: string,
  maxMessage: number,
): void {
  const messages: Uint8Array[] = [];
  const reader = requestReader(encoding, maxMessage, (m) => {
    // A second message already makes the call invalid; keeping more would let one call
    // hold any amount of memory.
    if (messages.length > 0) {
      throw { code: INTERNAL, details: "expected one request message, got more" };
    }
    messages.push(m);
  });
  stream.ondata = (chunk) => {
    try {
      reader.push(chunk);
    } catch (e) {
      // The rest of the body is ignored: the reader lost its place in it.
      stream.ondata = undefined;
      fail(stream, statusOf(e));
    }
  };
  stream.onend = () => {
    if (!stream.open) return;
    if (messages.length !== 1 || reader.partial) {
      fail(stream, {
        code: INTERNAL,
        details: `expected one request message, got ${messages.length}`,
      });
      return;
    }
    let request: unknown;
    try {
      request = decodeOrThrow(method, messages[0]);
    } catch (e) {
      fail(stream, statusOf(e));
      return;
    }
    Promise.resolve().then(() => method.handle(request, stream.headers)).then(
      (response) => {
        stream.respond(RESPONSE_HEADERS);
        writeMessage(stream, method.encode(response));
        stream.end(statusHeaders({ code: OK, details: "" }));
      },
      (e) => fail(stream, statusOf(e)),
    );
  };
}

function serveBidi(
  stream: ServerStream,
  method: BidiMethod,
  encoding: string,
  maxMessage: number,
): void {
  let responded = false;
  let cancelled = false;
  const call: BidiCall = {
    metadata: stream.headers,
    onmessage: undefined,
    onend: undefined,
    oncancel: undefined,
    get cancelled() {
      return cancelled;
    },
    write(message) {
      if (!stream.open) return false;
      if (!responded) stream.respond(RESPONSE_HEADERS);
      responded = true;
      writeMessage(stream, method.encode(message));
      return true;
    },
    finish(error) {
      const status = error ?? { code: OK, details: "" };
      if (!responded) fail(stream, status);
      else stream.end(statusHeaders(status));
    },
  };
  // A message that cannot be read ends the call; the ones before it were already handled.
  const reader = requestReader(encoding, maxMessage, (m) => {
    if (stream.open) call.onmessage?.(decodeOrThrow(method, m));
  });
  stream.ondata = (chunk) => {
    try {
      reader.push(chunk);
    } catch (e) {
      stream.ondata = undefined;
      call.finish(statusOf(e));
    }
  };
  stream.onend = () => call.onend?.();
  stream.onreset = () => {
    cancelled = true;
    call.oncancel?.();
  };
  method.open(call);
}
