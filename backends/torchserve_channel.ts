/**
 * One TorchServe inference channel: a keep-alive HTTP/1.1 connection (the project's raw client)
 * that writes prepared prediction requests. A handler's reply body is its own business, so any
 * 2xx is a success; an error status keeps TorchServe's {"message"} text. Never rejects.
 */
import type { Channel, PreparedRequest } from "../core/backend.ts";
import type { Clock } from "../core/clock.ts";
import type { RequestRecord } from "../core/record.ts";
import {
  HttpConnection,
  type HttpResponse,
  ProtocolError,
  TransportError,
} from "./http_connection.ts";
import type { ServerTarget } from "./http_url.ts";
import { PreparedPrediction } from "./torchserve_request.ts";

const utf8 = new TextDecoder();
const MAX_ERROR_BODY = 4096;

/** TorchServe's {"code", "type", "message"} as "type: message", else a body excerpt. */
export function torchServeErrorText(status: number, text: string): string {
  try {
    const json = JSON.parse(text) as { type?: unknown; message?: unknown };
    if (typeof json.message === "string") {
      return typeof json.type === "string" ? `${json.type}: ${json.message}` : json.message;
    }
  } catch { /* not JSON: fall through to the excerpt */ }
  const excerpt = text.trim().slice(0, 200);
  return excerpt === "" ? `HTTP ${status}` : `HTTP ${status}: ${excerpt}`;
}

export class TorchServeChannel implements Channel {
  readonly #http: HttpConnection;
  #closed = false;

  constructor(
    target: ServerTarget,
    private readonly clock: Clock,
    private readonly onClose: (ch: TorchServeChannel) => void,
    /** Per-request timeout in ms; 0 waits for ever. */
    private readonly timeoutMs: number,
  ) {
    this.#http = new HttpConnection(target, clock);
  }

  async send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    if (!(prepared instanceof PreparedPrediction)) {
      record.fail("protocol_error", "request was not prepared by the torchserve backend", 0);
      return;
    }
    if (this.#closed) {
      record.fail("cancelled", "channel closed", this.clock.nowNs());
      return;
    }
    let res: HttpResponse;
    let timedOut = false;
    const timer = this.timeoutMs > 0
      ? setTimeout(() => {
        timedOut = true;
        this.#http.abort();
      }, this.timeoutMs)
      : undefined;
    try {
      res = await this.#http.exchange(prepared.bytes, record);
    } catch (e) {
      const ns = this.clock.nowNs();
      if (timedOut) record.fail("timeout", `no response within ${this.timeoutMs} ms`, ns);
      else if (this.#closed) record.fail("cancelled", "channel closed", ns);
      else if (e instanceof ProtocolError) record.fail("protocol_error", e.message, ns);
      else if (e instanceof TransportError) record.fail("transport_error", e.message, ns);
      else record.fail("transport_error", e instanceof Error ? e.message : String(e), ns);
      return;
    } finally {
      clearTimeout(timer);
    }
    const status = res.head.status;
    record.status = status;
    if (status >= 200 && status < 300) {
      record.addResponse(record.endNs);
      return;
    }
    const end = Math.min(res.bodyEnd, res.bodyStart + MAX_ERROR_BODY);
    const text = utf8.decode(res.buf.subarray(res.bodyStart, end));
    record.fail("server_error", torchServeErrorText(status, text), record.endNs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#http.close();
    this.onClose(this);
  }
}
