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

/**
 * The body as it came, at most `limit` bytes. One with a Content-Length (already checked
 * against the limit by the router) is read in one piece, the fast path of every benchmark.
 */
export async function readLimited(req: Request, limit: number): Promise<Uint8Array> {
  if (req.body === null || req.headers.has("content-length")) {
    return new Uint8Array(await req.arrayBuffer());
  }
  return await collect(req.body, limit, false);
}

/** The body inflated when the client compressed it (docs/protocols.md §1.9), at most `limit`. */
export async function readInflated(req: Request, limit: number): Promise<Uint8Array> {
  const encoding = (req.headers.get("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding === "identity" || encoding === "") return await readLimited(req, limit);
  if ((encoding !== "gzip" && encoding !== "deflate") || req.body === null) {
    throw new ApiError(501, "Unsupported compression type");
  }
  return await collect(req.body.pipeThrough(new DecompressionStream(encoding)), limit, true);
}
