/**
 * Control-plane calls of the HTTP service kinds (Triton metadata, config, statistics and
 * shared-memory registration; TorchServe's /ping; TF Serving's metadata) on their own
 * keep-alive connection, so they never disturb the timing of inference channels. Calls are
 * serialized because one HTTP/1.1 connection carries one exchange at a time. Each call is
 * bounded (control_timeout.ts): one that gets no answer in time fails with a TransportError.
 */
import type { Clock } from "../../core/clock.ts";
import { errorTextOf } from "./http_channel.ts";
import { HttpConnection, type HttpResponse } from "../../wire/http1/connection.ts";
import {
  COULD_NOT_CONNECT,
  dialledAddress,
  TransportError,
} from "../../wire/net/transport_error.ts";
import { connectFailureText, type PortHints, wrongPortText } from "./control_errors.ts";
import type { ServerTarget } from "./http_url.ts";
import { encodeControlRequest } from "./http_request.ts";
import { CONTROL_TIMEOUT_MS, noAnswerText, withDeadline } from "./control_timeout.ts";

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

  constructor(
    private readonly target: ServerTarget,
    private readonly headers: [string, string][],
    clock?: Clock,
    /** The service kind's advice for a -u that reaches nothing or a gRPC port. */
    private readonly hints: PortHints = {},
    /** The bound on each call, connect included. */
    private readonly timeoutMs: number = CONTROL_TIMEOUT_MS,
  ) {
    this.#http = new HttpConnection(target, clock);
    this.#hostHeader = target.hostHeader;
  }

  /**
   * Throws TransportError / ProtocolError (a server that cannot be reached or is not HTTP/1.1
   * is named, with what to check); HTTP error statuses are returned, not thrown.
   */
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
      try {
        return toReply(await this.#http.exchange(req, null));
      } catch (e) {
        throw e instanceof TransportError ? this.#explain(e) : e;
      }
    };
    const next = this.#tail.then(run, run);
    // The next call waits for this exchange itself, not its deadline: the connection carries
    // one exchange at a time, and an aborted one ends as soon as its socket is closed.
    this.#tail = next.catch(() => undefined);
    const { hostname, port } = this.target;
    return withDeadline(next, this.timeoutMs, () => {
      this.#http.abort();
      return new TransportError(noAnswerText(dialledAddress(hostname, port), this.timeoutMs), "io");
    });
  }

  close(): void {
    this.#http.close();
  }

  #explain(e: TransportError): TransportError {
    const { hostname, port, defaulted } = this.target;
    const address = dialledAddress(hostname, port);
    if (e.phase === "connect" && e.message === COULD_NOT_CONNECT) {
      const text = connectFailureText(e.message, address, defaulted === true, "HTTP", this.hints);
      return new TransportError(text, e.phase);
    }
    if (e.http2Peer) {
      const text = `${e.message} (it answered in HTTP/2)`;
      return new TransportError(wrongPortText(text, address, "HTTP", true, this.hints), "io");
    }
    return e;
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
