/**
 * Control-plane calls of the HTTP service kinds (Triton metadata, config, statistics and
 * shared-memory registration; TorchServe's /ping; TF Serving's metadata) on their own
 * keep-alive connection, so they never disturb the timing of inference channels. Calls are
 * serialized because one HTTP/1.1 connection carries one exchange at a time.
 */
import type { Clock } from "../../core/clock.ts";
import { errorTextOf } from "./http_channel.ts";
import { HttpConnection, type HttpResponse } from "../../wire/http1/connection.ts";
import type { ServerTarget } from "./http_url.ts";
import { encodeControlRequest } from "./http_request.ts";

export interface JsonReply {
  status: number;
  /** Parsed body; undefined when empty or not JSON. */
  json: unknown;
  /** The server's {"error"} text, else a short excerpt of the body, else "HTTP <status>". */
  errorText: string;
}

const utf8 = new TextDecoder();

export class ControlClient {
  readonly #http: HttpConnection;
  #tail: Promise<unknown> = Promise.resolve();

  readonly #hostHeader: string;

  constructor(target: ServerTarget, private readonly headers: [string, string][], clock?: Clock) {
    this.#http = new HttpConnection(target, clock);
    this.#hostHeader = target.hostHeader;
  }

  /** Throws TransportError / ProtocolError; HTTP error statuses are returned, not thrown. */
  get(path: string): Promise<JsonReply> {
    return this.#exchange(path, undefined);
  }

  /** A POST with a JSON body (shared-memory registration); errors as for get(). */
  post(path: string, json: string): Promise<JsonReply> {
    return this.#exchange(path, json);
  }

  #exchange(path: string, json: string | undefined): Promise<JsonReply> {
    const run = async () => {
      const req = encodeControlRequest(path, this.#hostHeader, this.headers, json);
      return toReply(await this.#http.exchange(req, null));
    };
    const next = this.#tail.then(run, run);
    this.#tail = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.#http.close();
  }
}

export function toReply(res: HttpResponse): JsonReply {
  const status = res.head.status;
  const text = utf8.decode(res.buf.subarray(res.bodyStart, res.bodyEnd));
  let json: unknown = undefined;
  try {
    json = text.trim() === "" ? undefined : JSON.parse(text);
  } catch { /* non-JSON bodies are reported through errorText */ }
  return { status, json, errorText: errorTextOf(status, json, text) };
}
