/**
 * HTTP/1.1 response framing by byte scanning. Everything works on (buffer, offsets) so the
 * connection can parse in its reused read buffer without regexes or decoding the body; only
 * the headers that affect framing, the inference body or streaming are interpreted.
 */

export class ProtocolError extends Error {
  override name = "ProtocolError";
}

/** What the framing needs from a response head; one instance is reused per connection. */
export class ResponseHead {
  status = 0;
  /** Offset just past the blank line ending the head. */
  headerEnd = 0;
  /** -1 when absent. */
  contentLength = -1;
  chunked = false;
  /** The server will close after this response (Connection: close, or HTTP/1.0 default). */
  close = false;
  /** Inference-Header-Content-Length, -1 when absent. */
  inferHeaderLength = -1;
  /** Content-Type is text/event-stream: the body is a stream of Server-Sent Events. */
  eventStream = false;
}

const CR = 13;
const LF = 10;
const MAX_HEAD_BYTES = 64 * 1024;

// Lower-case header names compared byte-wise against the wire.
const enc = new TextEncoder();
const H_CONTENT_LENGTH = enc.encode("content-length");
const H_TRANSFER_ENCODING = enc.encode("transfer-encoding");
const H_CONNECTION = enc.encode("connection");
const H_INFER_LENGTH = enc.encode("inference-header-content-length");
const H_CONTENT_TYPE = enc.encode("content-type");
const V_EVENT_STREAM = enc.encode("text/event-stream");
const V_CHUNKED = enc.encode("chunked");
const V_CLOSE = enc.encode("close");
const V_KEEP_ALIVE = enc.encode("keep-alive");

function lower(b: number): number {
  return b >= 65 && b <= 90 ? b + 32 : b;
}

/** Case-insensitive match of buf[at, at+word.length) against a lower-case word. */
function matchesAt(buf: Uint8Array, at: number, word: Uint8Array): boolean {
  for (let i = 0; i < word.length; i++) if (lower(buf[at + i]) !== word[i]) return false;
  return true;
}

/** True when the comma/space separated value in buf[from, to) contains `word` as a token. */
function hasToken(buf: Uint8Array, from: number, to: number, word: Uint8Array): boolean {
  for (let i = from; i + word.length <= to; i++) {
    if (!matchesAt(buf, i, word)) continue;
    const before = i === from ? 44 : buf[i - 1];
    const after = i + word.length === to ? 44 : buf[i + word.length];
    const sep = (b: number) => b === 44 || b === 32 || b === 9 || b === 59;
    if (sep(before) && sep(after)) return true;
  }
  return false;
}

/**
 * Offset just past the first CRLFCRLF of the head starting at `start`, looking at bytes
 * [from, end) only (callers pass from = end - 3 after each read so a long head is scanned once).
 * Returns -1 when the head is not complete yet.
 */
export function findHeadEnd(buf: Uint8Array, start: number, from: number, end: number): number {
  // `i` is where a CRLFCRLF could end. A byte that is neither CR nor LF cannot be in one, so
  // the next candidate is 4 further; after an LF that ends none, 2 (the LF may be its second);
  // after a CR, 1. Most head bytes are text, so this reads about a quarter of them.
  // Bounded: each pass moves `i` forward.
  for (let i = from < start + 3 ? start + 3 : from; i < end;) {
    const b = buf[i];
    if (b === LF) {
      if (buf[i - 1] === CR && buf[i - 2] === LF && buf[i - 3] === CR) return i + 1;
      i += 2;
    } else i += b === CR ? 1 : 4;
  }
  if (end - start > MAX_HEAD_BYTES) throw new ProtocolError("response head too large");
  return -1;
}

function parseDecimal(buf: Uint8Array, from: number, to: number, what: string): number {
  if (from >= to) throw new ProtocolError(`empty ${what} header`);
  let n = 0;
  for (let i = from; i < to; i++) {
    const d = buf[i] - 48;
    if (d < 0 || d > 9) throw new ProtocolError(`invalid ${what} header`);
    n = n * 10 + d;
  }
  if (n > Number.MAX_SAFE_INTEGER) throw new ProtocolError(`invalid ${what} header`);
  return n;
}

/** Parses the status line and framing headers of buf[start, headEnd) into `out`. */
export function parseHead(buf: Uint8Array, start: number, headEnd: number, out: ResponseHead) {
  // "HTTP/1.x NNN": the minor version decides the keep-alive default.
  if (
    headEnd - start < 14 || buf[start] !== 72 || buf[start + 1] !== 84 ||
    buf[start + 2] !== 84 || buf[start + 3] !== 80 || buf[start + 4] !== 47 ||
    buf[start + 5] !== 49 || buf[start + 6] !== 46 || buf[start + 8] !== 32
  ) {
    throw new ProtocolError("malformed HTTP status line");
  }
  out.status = parseDecimal(buf, start + 9, start + 12, "status");
  out.headerEnd = headEnd;
  out.contentLength = -1;
  out.chunked = false;
  out.inferHeaderLength = -1;
  out.eventStream = false;
  let keepAlive = buf[start + 7] !== 48;
  let close = false;
  // Plain loops, not indexOf: each indexOf call on a Uint8Array costs more than the few
  // dozen bytes of a header line it would skip (the head parsed in ~370 ns with them).
  // Every line ends in an LF before headEnd, the head's own CRLFCRLF, so the scans stop there.
  let line = start + 12;
  while (buf[line] !== LF) line++;
  line++;
  while (line < headEnd - 2) {
    let colon = line;
    while (buf[colon] !== 58) {
      if (buf[colon] === LF) throw new ProtocolError("malformed response header line");
      colon++;
    }
    let lf = colon + 1;
    while (buf[lf] !== LF) lf++;
    const valueEnd = trimEnd(buf, line, lf);
    const nameLen = colon - line;
    let v = colon + 1;
    while (v < valueEnd && (buf[v] === 32 || buf[v] === 9)) v++;
    if (nameLen === 14 && matchesAt(buf, line, H_CONTENT_LENGTH)) {
      out.contentLength = parseDecimal(buf, v, valueEnd, "Content-Length");
    } else if (nameLen === 17 && matchesAt(buf, line, H_TRANSFER_ENCODING)) {
      out.chunked = hasToken(buf, v, valueEnd, V_CHUNKED);
    } else if (nameLen === 10 && matchesAt(buf, line, H_CONNECTION)) {
      // A lone "keep-alive" (what nginx and most servers send) needs no token scan.
      if (valueEnd - v === V_KEEP_ALIVE.length && matchesAt(buf, v, V_KEEP_ALIVE)) {
        keepAlive = true;
      } else {
        if (hasToken(buf, v, valueEnd, V_CLOSE)) close = true;
        if (hasToken(buf, v, valueEnd, V_KEEP_ALIVE)) keepAlive = true;
      }
    } else if (nameLen === 31 && matchesAt(buf, line, H_INFER_LENGTH)) {
      out.inferHeaderLength = parseDecimal(buf, v, valueEnd, "Inference-Header-Content-Length");
    } else if (nameLen === 12 && lower(buf[v]) === 116 && matchesAt(buf, line, H_CONTENT_TYPE)) {
      // The value's first byte ('t') first: the usual application/json costs one comparison.
      out.eventStream = isMediaType(buf, v, valueEnd, V_EVENT_STREAM);
    }
    line = lf + 1;
  }
  out.close = close || !keepAlive;
}

/**
 * parseHead for a head guessed to end at `guess` (servers repeat their head's length reply after
 * reply): true when buf[start, guess) is a whole head that parses, which saves findHeadEnd's
 * scan. False when the guess is wrong or the head is malformed; the caller then frames it with
 * findHeadEnd and parseHead, whose errors are the ones to report. A head that really ends
 * earlier cannot pass: its blank line would be a header line without a colon.
 */
export function parseGuessedHead(
  buf: Uint8Array,
  start: number,
  guess: number,
  end: number,
  out: ResponseHead,
): boolean {
  if (
    guess - start < 4 || guess > end || buf[guess - 1] !== LF || buf[guess - 2] !== CR ||
    buf[guess - 3] !== LF || buf[guess - 4] !== CR
  ) {
    return false;
  }
  try {
    parseHead(buf, start, guess, out);
    return true;
  } catch {
    return false;
  }
}

/** True when the value in buf[from, to) names media type `type` (parameters may follow). */
function isMediaType(buf: Uint8Array, from: number, to: number, type: Uint8Array): boolean {
  const end = from + type.length;
  if (end > to || !matchesAt(buf, from, type)) return false;
  const b = buf[end];
  return end === to || b === 59 || b === 32 || b === 9;
}

/** End of the line's value: before the CR (if any) and trailing blanks. */
function trimEnd(buf: Uint8Array, from: number, lf: number): number {
  let e = lf;
  if (e > from && buf[e - 1] === CR) e--;
  while (e > from && (buf[e - 1] === 32 || buf[e - 1] === 9)) e--;
  return e;
}

/** Status codes whose responses never carry a body (RFC 9112 §6.3). */
export function bodyless(status: number): boolean {
  return (status >= 100 && status < 200) || status === 204 || status === 304;
}
