/**
 * What a Triton / KServe v2 inference reply means to the shared HTTP channel: any 2xx is a
 * success if its body starts like an inference response, an error reply carries the server's
 * {"error"} text, and captured outputs are decoded from the JSON (or shared memory).
 */
import type { HttpResponse } from "../../wire/http1/connection.ts";
import { type HttpReplies, isSuccess, serverErrorText } from "../net/http_channel.ts";
import { captureHttpOutputs } from "./http_outputs.ts";
import { PreparedInfer } from "./infer_request.ts";

const TRITON_REPLIES: HttpReplies<PreparedInfer> = {
  backend: "triton",
  prepared: PreparedInfer,
  ok: isSuccess,
  errorText: serverErrorText,
  bodyProblem: inferBodyProblem,
};

const TRITON_CAPTURING_REPLIES: HttpReplies<PreparedInfer> = {
  ...TRITON_REPLIES,
  capture: (res, record, prepared) => captureHttpOutputs(res, record, prepared.shm?.readOutput),
};

/** The rules for Triton replies; `capture` decodes outputs into record.outputs (validation). */
export function tritonReplies(capture: boolean): HttpReplies<PreparedInfer> {
  return capture ? TRITON_CAPTURING_REPLIES : TRITON_REPLIES;
}

/**
 * A cheap check that a 200 reply is a well-formed inference response, instead of a JSON parse
 * per request (which would cap the rate): the JSON header must exist, fit the body, start and
 * end like an object, and the binary outputs it announces (`"binary_data_size": N`) must add
 * up to exactly the bytes after it. A truncated or padded body, or a header that cuts the JSON,
 * is then a protocol error instead of a success.
 */
function inferBodyProblem(res: HttpResponse): string {
  const length = res.bodyEnd - res.bodyStart;
  const headerLength = res.head.inferHeaderLength;
  if (headerLength > length) {
    return `Inference-Header-Content-Length ${headerLength} exceeds the body (${length} bytes)`;
  }
  const jsonEnd = headerLength >= 0 ? res.bodyStart + headerLength : res.bodyEnd;
  const buf = res.buf;
  let i = res.bodyStart;
  while (i < jsonEnd && isSpace(buf[i])) i++;
  if (i === jsonEnd) return "empty inference response";
  if (buf[i] !== OPEN) return "inference response is not a JSON object";
  let last = jsonEnd - 1;
  while (last > i && isSpace(buf[last])) last--;
  if (buf[last] !== CLOSE) return "inference response JSON is cut short (no closing brace)";
  const announced = binarySizes(buf, i, last);
  const binary = headerLength >= 0 ? length - headerLength : 0;
  if (announced !== binary) {
    return `inference response announces ${announced} bytes of binary outputs, the body holds ${binary}`;
  }
  return "";
}

const OPEN = 0x7b;
const CLOSE = 0x7d;
const KEY = new TextEncoder().encode('"binary_data_size"');
const KEY_LAST = KEY.length - 1;
/**
 * Horspool's shift for each byte seen at the last position of a candidate key: how far the key
 * can move without skipping a match. Digits, commas and brackets (most of a JSON reply's data)
 * are not in the key, so most steps skip its whole length instead of one byte.
 */
const SHIFT = new Uint8Array(256).fill(KEY.length);
for (let k = 0; k < KEY_LAST; k++) SHIFT[KEY[k]] = KEY_LAST - k;

function isSpace(b: number): boolean {
  return b === 32 || b === 9 || b === 13 || b === 10;
}

/** The sum of every `"binary_data_size": N` in buf[from, to): a byte scan, no decoding. */
function binarySizes(buf: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i + KEY.length <= to;) {
    const b = buf[i + KEY_LAST];
    if (b !== KEY[KEY_LAST] || !keyAt(buf, i)) {
      i += SHIFT[b];
      continue;
    }
    let j = i + KEY.length;
    while (j < to && (isSpace(buf[j]) || buf[j] === 0x3a)) j++;
    let n = 0;
    for (; j < to && buf[j] >= 0x30 && buf[j] <= 0x39; j++) n = n * 10 + buf[j] - 0x30;
    sum += n;
    i = j;
  }
  return sum;
}

function keyAt(buf: Uint8Array, at: number): boolean {
  for (let k = 0; k < KEY_LAST; k++) if (buf[at + k] !== KEY[k]) return false;
  return true;
}
