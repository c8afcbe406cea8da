/**
 * gRPC message compression (gRPC's PROTOCOL-HTTP2 and compression documents): a message's
 * compressed-flag byte says whether its bytes are encoded with the call's `grpc-encoding`.
 * Requests are compressed once, when they are prepared, so a request re-sent many times costs
 * nothing more per send; compressed responses are inflated as they arrive. "deflate" is the
 * zlib format (RFC 1950), as gRPC implementations send it.
 */
import { createRequire } from "node:module";
import { frameMessage } from "../../wire/grpc/framing.ts";

type Zlib = typeof import("node:zlib");
let loaded: Zlib | undefined;

/**
 * node:zlib, required on first use rather than imported: it brings Node's stream code, about
 * 30 ms of start-up that the bundle (which hoists every node: import to its top) paid even for
 * --help, and that a run without compression never needs.
 */
function zlib(): Zlib {
  return loaded ??= createRequire(import.meta.url)("node:zlib") as Zlib;
}

export type GrpcCompression = "none" | "gzip" | "deflate";

/** What a client says it can read back (grpc-accept-encoding). */
export const ACCEPT_ENCODING = "identity,deflate,gzip";

/** --grpc-compression-algorithm's value, or undefined for one we cannot send. */
export function compressionOf(value: string | undefined): GrpcCompression | undefined {
  const v = (value ?? "none").toLowerCase();
  return v === "none" || v === "gzip" || v === "deflate" ? v : undefined;
}

/** One length-prefixed message, its bytes compressed (and flagged so) unless `none`. */
export function frameCompressed(bytes: Uint8Array, compression: GrpcCompression): Uint8Array {
  if (compression === "none") return frameMessage(bytes);
  const z = zlib();
  return frameMessage(compression === "gzip" ? z.gzipSync(bytes) : z.deflateSync(bytes), true);
}

/**
 * A compressed message's bytes decoded with the response's `grpc-encoding` ("" when it named
 * none). Throws for no encoding, one we never offered, or bytes that do not inflate.
 */
export function inflateMessage(bytes: Uint8Array, encoding: string): Uint8Array {
  if (encoding === "gzip") return zlib().gunzipSync(bytes);
  if (encoding === "deflate") return zlib().inflateSync(bytes);
  if (encoding === "") {
    throw new Error("a compressed message, but the response has no grpc-encoding");
  }
  throw new Error(`a compressed message with grpc-encoding '${encoding}'`);
}
