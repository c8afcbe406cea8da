/**
 * gRPC over the hand-written HTTP/2 client: the request header block and request message
 * built once, and the status from trailers or from a failed stream (gRPC over HTTP/2
 * protocol spec). Response messages are cut by wire/grpc/framing.ts.
 */
import { encodeHeaders, type HeaderList } from "../../wire/h2/hpack.ts";
import { ErrorCode } from "../../wire/h2/frames.ts";
import type { NotGrpc, StreamFailure } from "./h2_client_stream.ts";
import { GrpcCode } from "./grpc_status.ts";
import { ACCEPT_ENCODING, frameCompressed, type GrpcCompression } from "./grpc_compression.ts";

/**
 * A request encoded once at prepare time, framed as one gRPC message (compressed as the
 * call's grpc-encoding says), so every send re-sends `message` verbatim. A kind extends it
 * with what its channels need to know per request.
 */
export class PreparedGrpcCall {
  readonly message: Uint8Array;

  constructor(
    /** The serialized request message (no gRPC framing). */
    readonly bytes: Uint8Array,
    compression: GrpcCompression = "none",
  ) {
    this.message = frameCompressed(bytes, compression);
  }
}

/**
 * The fixed part of every call's HEADERS: `path`, the request messages' encoding, and -H
 * metadata, as a re-sendable block.
 */
export function requestHeaderBlock(
  path: string,
  authority: string,
  metadata: [string, string][],
  compression: GrpcCompression = "none",
): Uint8Array {
  const list: HeaderList = [
    [":method", "POST"],
    [":scheme", "http"],
    [":path", path],
    [":authority", authority],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ["user-agent", "perf_analyzer-deno"],
    ["grpc-accept-encoding", ACCEPT_ENCODING],
  ];
  if (compression !== "none") list.push(["grpc-encoding", compression]);
  for (const [name, value] of metadata) list.push([name.trim().toLowerCase(), value.trim()]);
  return encodeHeaders(list);
}

/**
 * A grpc-timeout header value for `ms` (at most 8 digits, so long bounds go in seconds): the
 * server may give up on a call its client has abandoned.
 */
export function grpcTimeout(ms: number): string {
  return ms < 1e8 ? `${Math.ceil(ms)}m` : `${Math.ceil(ms / 1000)}S`;
}

/** `metadata` plus grpc-timeout when calls have a timeout (`ms` > 0), for the header block. */
export function withGrpcTimeout(metadata: [string, string][], ms: number): [string, string][] {
  return ms > 0 ? [...metadata, ["grpc-timeout", grpcTimeout(ms)]] : metadata;
}

/** A call's final status: code and details. */
export interface CallStatus {
  code: number;
  details: string;
  /** The reply shows the server does not speak gRPC (see wrongPortText in grpc_control.ts). */
  notGrpc?: NotGrpc;
  /** The reply broke the protocol (bytes that are not the message it claims): a protocol error. */
  malformed?: boolean;
  /** The server never processed the call (see StreamFailure): it may be sent again. */
  unprocessed?: boolean;
}

/** grpc-status/grpc-message from trailers (or a trailers-only response). */
export function statusOf(headers: HeaderList): CallStatus | undefined {
  let code: number | undefined;
  let details = "";
  for (const [name, value] of headers) {
    if (name === "grpc-status") code = Number(value);
    else if (name === "grpc-message") details = percentDecode(value);
  }
  if (code === undefined || !Number.isInteger(code)) return undefined;
  return { code, details };
}

/**
 * The status of a stream that died without trailers, RST_STREAM codes mapped as gRPC clients
 * (grpc-js among them) map them; a lost connection or a stream refused by GOAWAY is
 * UNAVAILABLE (a transport error).
 */
export function failureStatus(f: StreamFailure): CallStatus {
  const code = f.resetCode < 0 || f.resetCode === ErrorCode.REFUSED_STREAM
    ? GrpcCode.UNAVAILABLE
    : f.resetCode === ErrorCode.CANCEL
    ? GrpcCode.CANCELLED
    : f.resetCode === ENHANCE_YOUR_CALM
    ? GrpcCode.RESOURCE_EXHAUSTED
    : GrpcCode.INTERNAL;
  const status: CallStatus = { code, details: f.message };
  if (f.notGrpc !== undefined) status.notGrpc = f.notGrpc;
  if (f.unprocessed) status.unprocessed = true;
  return status;
}

const ENHANCE_YOUR_CALM = 0xb;

function percentDecode(text: string): string {
  if (!text.includes("%")) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The HTTP status of response headers, or a problem with them (then the call fails). */
export function responseProblem(headers: HeaderList): CallStatus | undefined {
  let status = "";
  let type = "";
  for (const [name, value] of headers) {
    if (name === ":status") status = value;
    else if (name === "content-type") type = value;
  }
  const grpc = type.startsWith("application/grpc");
  if (status !== "200") {
    // HTTP errors without a grpc-status, mapped as gRPC's http-grpc-status-mapping says.
    const code = status === "400"
      ? GrpcCode.INTERNAL
      : status === "401"
      ? GrpcCode.UNAUTHENTICATED
      : status === "403"
      ? GrpcCode.PERMISSION_DENIED
      : status === "404"
      ? GrpcCode.UNIMPLEMENTED
      : ["429", "502", "503", "504"].includes(status)
      ? GrpcCode.UNAVAILABLE
      : GrpcCode.UNKNOWN;
    const details = `Received HTTP status code ${status}`;
    if (grpc) return { code, details };
    return { code, details: notGrpcDetails(details, type), notGrpc: "certain" };
  }
  if (!grpc) {
    const details = `unexpected content-type '${type}'`;
    return { code: GrpcCode.UNKNOWN, details, notGrpc: "certain" };
  }
  return undefined;
}

/** A reply without a gRPC content-type comes from a plain HTTP server: say what it was. */
function notGrpcDetails(details: string, type: string): string {
  return `${details} (${type === "" ? "no content-type" : `content-type '${type}'`}, not gRPC)`;
}
