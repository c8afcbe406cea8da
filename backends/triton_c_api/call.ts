/**
 * Error and message handling for the C API: every TRITONSERVER_Error* is decoded (code string
 * and message, copied before the error is freed) and always deleted; every TRITONSERVER_Message
 * is serialized to JSON, copied out, and deleted. docs/protocols.md §6.5: both strings are
 * borrowed.
 */
import { RunError } from "../../core/errors.ts";
import type { TritonLib } from "./ffi.ts";

const utf8 = new TextDecoder();

/** "Not found - Request for unknown model: 'x' is not found", and frees the error. */
export function takeErrorText(lib: TritonLib, err: Deno.PointerObject): string {
  try {
    const codePtr = lib.TRITONSERVER_ErrorCodeString(err);
    const msgPtr = lib.TRITONSERVER_ErrorMessage(err);
    const code = codePtr ? Deno.UnsafePointerView.getCString(codePtr) : "Unknown";
    const msg = msgPtr ? Deno.UnsafePointerView.getCString(msgPtr) : "";
    return `${code} - ${msg}`;
  } finally {
    lib.TRITONSERVER_ErrorDelete(err);
  }
}

/**
 * Throws a RunError worded like perf_analyzer's RETURN_IF_TRITONSERVER_ERROR
 * ("<what>: <code> - <message>") when `err` is not null.
 */
export function check(lib: TritonLib, err: Deno.PointerValue, what: string): void {
  if (err !== null) throw new RunError(`${what}: ${takeErrorText(lib, err)}`);
}

/** Reports an error that perf_analyzer only reports (REPORT_TRITONSERVER_ERROR), and frees it. */
export function report(
  lib: TritonLib,
  err: Deno.PointerValue,
  what: string,
  warn: (line: string) => void,
): void {
  if (err !== null) warn(`${what}: ${takeErrorText(lib, err)}`);
}

/** An out-parameter for one pointer or 64-bit value. */
export function outPointer(): BigUint64Array<ArrayBuffer> {
  return new BigUint64Array(1);
}

/** The pointer written into an out-parameter, or null. */
export function pointerIn(out: BigUint64Array): Deno.PointerValue {
  return Deno.UnsafePointer.create(out[0]);
}

/**
 * Serializes the message written to `out` to JSON, parses it, and deletes the message.
 * The serialized text is not NUL-terminated: it is sliced by its byte size.
 */
export function takeMessageJson(lib: TritonLib, out: BigUint64Array, what: string): unknown {
  const msg = pointerIn(out);
  if (msg === null) throw new RunError(`${what}: the server returned no message`);
  try {
    const base = outPointer();
    const size = outPointer();
    check(lib, lib.TRITONSERVER_MessageSerializeToJson(msg, base, size), what);
    const ptr = pointerIn(base);
    const n = Number(size[0]);
    if (ptr === null || n === 0) return undefined;
    const text = utf8.decode(new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(ptr, n)));
    try {
      return JSON.parse(text);
    } catch (e) {
      throw new RunError(`${what}: the server's JSON does not parse: ${(e as Error).message}`);
    }
  } finally {
    const err = lib.TRITONSERVER_MessageDelete(msg);
    if (err !== null) takeErrorText(lib, err);
  }
}
