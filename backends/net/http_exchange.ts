/**
 * One prepared request over a keep-alive HTTP/1.1 connection with the per-request timeout,
 * shared by every HTTP channel (Triton, TorchServe, TF Serving REST): a failure becomes record
 * fields (timeout, cancelled, transport or protocol error), never a rejection, because failures
 * are data. Also the error-reply reading those channels share.
 */
import type { Clock } from "../../core/clock.ts";
import { errorTextOf } from "../triton/control_client.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import {
  type HttpConnection,
  type HttpResponse,
  ProtocolError,
  TransportError,
} from "./http_connection.ts";

/** The response, or undefined when the exchange failed (the record then says why). */
export async function timedExchange(
  http: HttpConnection,
  bytes: Uint8Array,
  record: RequestRecord,
  /** 0 waits for ever. */
  timeoutMs: number,
  clock: Clock,
  /** True once the channel was closed: a failure after it is a cancellation. */
  closed: () => boolean,
): Promise<HttpResponse | undefined> {
  if (closed()) {
    record.fail("cancelled", "channel closed", clock.nowNs());
    return undefined;
  }
  let timedOut = false;
  const timer = timeoutMs > 0
    ? setTimeout(() => {
      timedOut = true;
      http.abort();
    }, timeoutMs)
    : undefined;
  try {
    return await http.exchange(bytes, record);
  } catch (e) {
    const ns = clock.nowNs();
    if (timedOut) record.fail("timeout", `no response within ${timeoutMs} ms`, ns);
    else if (closed()) record.fail("cancelled", "channel closed", ns);
    else if (e instanceof TransportError) record.fail("transport_error", e.message, ns);
    else if (e instanceof ProtocolError) record.fail("protocol_error", e.message, ns);
    else record.fail("transport_error", e instanceof Error ? e.message : String(e), ns);
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

const utf8 = new TextDecoder();
/** Error bodies longer than this are cut before decoding; the message is what matters. */
const MAX_ERROR_BODY = 4096;

/** The start of an error reply's body as text. */
export function errorBodyText(res: HttpResponse): string {
  const end = Math.min(res.bodyEnd, res.bodyStart + MAX_ERROR_BODY);
  return utf8.decode(res.buf.subarray(res.bodyStart, end));
}

/** An error reply as perf_analyzer shows it: the server's {"error"} text, else an excerpt. */
export function serverErrorText(res: HttpResponse): string {
  const text = errorBodyText(res);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch { /* errorTextOf shows an excerpt instead */ }
  return errorTextOf(res.head.status, json, text);
}
