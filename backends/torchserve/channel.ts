/**
 * One TorchServe inference channel: a keep-alive HTTP/1.1 connection (the project's raw client)
 * that writes prepared prediction requests. A handler's reply body is its own business, so any
 * 2xx is a success; an error status keeps TorchServe's {"message"} text. Never rejects.
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { HttpConnection } from "../net/http_connection.ts";
import { errorBodyText, timedExchange } from "../net/http_exchange.ts";
import type { ServerTarget } from "../net/http_url.ts";
import { PreparedPrediction } from "./request.ts";

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
  /** Made once: the hot path allocates no closure per request. */
  readonly #isClosed = () => this.#closed;

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
    const res = await timedExchange(
      this.#http,
      prepared.bytes,
      record,
      this.timeoutMs,
      this.clock,
      this.#isClosed,
    );
    if (!res) return;
    const status = res.head.status;
    record.status = status;
    if (status >= 200 && status < 300) {
      record.addResponse(record.endNs);
      return;
    }
    record.fail("server_error", torchServeErrorText(status, errorBodyText(res)), record.endNs);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#http.close();
    this.onClose(this);
  }
}
