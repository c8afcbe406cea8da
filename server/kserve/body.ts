/**
 * Request bodies read with a bound: a body (or what it inflates to) larger than the server's
 * maxBodyBytes is refused with 413 instead of being kept in memory, whether it announced its
 * length, came chunked, or is a compression bomb.
 */
import { ApiError } from "./http_error.ts";
import { joinBytes } from "../../wire/bytes.ts";

function tooLarge(limit: number, inflated: boolean): ApiError {
  const what = inflated ? "inflates to" : "is";
  return new ApiError(413, `request body ${what} more than the ${limit} bytes accepted`);
}

/** True when the request announces a body longer than `limit`: refused before reading it. */
export function declaresTooMuch(req: Request, limit: number): boolean {
  return Number(req.headers.get("content-length") ?? 0) > limit;
}

/** The 413 answer for a body that announces more than `limit` bytes. */
export function declaredTooLarge(limit: number): ApiError {
  return tooLarge(limit, false);
}

/** Reads `stream` to its end, or throws 413 (cancelling it) at the first byte past `limit`. */
async function collect(
  stream: ReadableStream<Uint8Array>,
  limit: number,
  inflated: boolean,
): Promise<Uint8Array> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Bounded by `limit`: every pass adds a chunk's bytes or ends.
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    total += value.length;
    if (total > limit) {
      await reader.cancel();
      throw tooLarge(limit, inflated);
    }
    chunks.push(value);
  }
  return joinBytes(chunks);
}

const LENGTH_MISMATCH = "request body does not match its Content-Length";

/** Typed views of the widest element (8 bytes) need their start on such a boundary. */
const ALIGN = 8;

/**
 * A body of known `length` read straight into one array of that size (a byte stream's reads
 * fill the caller's array in place), so a large tensor is neither gathered in chunks nor
 * copied again into one array; the array starts `pad` bytes into its buffer. A stream that is
 * not a byte stream is collected instead.
 */
async function readExactly(
  stream: ReadableStream<Uint8Array>,
  length: number,
  limit: number,
  pad: number,
) {
  let reader: ReadableStreamBYOBReader;
  try {
    reader = stream.getReader({ mode: "byob" });
  } catch {
    const body = await collect(stream, limit, false);
    if (body.length !== length) throw new ApiError(400, LENGTH_MISMATCH);
    return body;
  }
  const end = pad + length;
  let buffer = new ArrayBuffer(end);
  let at = pad;
  // Bounded by `length`: every read adds bytes or ends. Each read hands the buffer back.
  while (at < end) {
    const { value, done } = await reader.read(new Uint8Array(buffer, at, end - at));
    if (done || value.length === 0) throw new ApiError(400, LENGTH_MISMATCH);
    buffer = value.buffer as ArrayBuffer;
    at += value.length;
  }
  // The HTTP layer frames the body by its Content-Length, so only a broken stream has more.
  const { done } = await reader.read(new Uint8Array(1));
  if (!done) {
    await reader.cancel();
    throw new ApiError(400, LENGTH_MISMATCH);
  }
  return new Uint8Array(buffer, pad, length);
}

/**
 * The body as it came, at most `limit` bytes. One with a Content-Length (already checked
 * against the limit by the router) is read into one array of that length, the fast path of
 * every benchmark, placed so that its byte `alignAt` (where the first binary tensor starts)
 * lies on an 8-byte boundary of the buffer: a typed view of that tensor then needs no copy.
 */
export async function readLimited(req: Request, limit: number, alignAt = 0): Promise<Uint8Array> {
  if (req.body === null) return new Uint8Array(0);
  const declared = req.headers.get("content-length");
  if (declared === null) return await collect(req.body, limit, false);
  const length = Number(declared);
  if (length > limit) throw tooLarge(limit, false);
  const pad = Number.isSafeInteger(alignAt) && alignAt > 0 ? (ALIGN - alignAt % ALIGN) % ALIGN : 0;
  return await readExactly(req.body, length, limit, pad);
}

/**
 * The body inflated when the client compressed it (docs/protocols.md §1.9), at most `limit`;
 * `alignAt` as for readLimited.
 */
export async function readInflated(req: Request, limit: number, alignAt = 0): Promise<Uint8Array> {
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return await readLimited(req, limit, alignAt);
  if ((encoding !== "gzip" && encoding !== "deflate") || req.body === null) {
    throw new ApiError(501, "Unsupported compression type");
  }
  return await collect(req.body.pipeThrough(new DecompressionStream(encoding)), limit, true);
}
