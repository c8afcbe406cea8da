/**
 * One inference channel: a keep-alive HTTP/1.1 connection that sends prepared requests and
 * turns every outcome into record fields. Failures are data, so send() never rejects.
 */
import type { Channel, PreparedRequest } from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { HttpConnection, type HttpResponse } from "../net/http_connection.ts";
import { serverErrorText, timedExchange } from "../net/http_exchange.ts";
import { captureHttpOutputs } from "./http_outputs.ts";
import type { ServerTarget } from "../net/http_url.ts";
import { PreparedInfer } from "./infer_request.ts";

export class TritonChannel implements Channel {
  readonly #http: HttpConnection;
  #closed = false;
  /** Made once: the hot path allocates no closure per request. */
  readonly #isClosed = () => this.#closed;

  constructor(
    target: ServerTarget,
    private readonly clock: Clock = systemClock,
    private readonly onClose: (ch: TritonChannel) => void = () => {},
    /** Per-request timeout in ms; 0 waits for ever. */
    private readonly timeoutMs = 0,
    /** Decode each ok response's outputs into record.outputs (output validation). */
    private readonly captureOutputs = false,
  ) {
    this.#http = new HttpConnection(target, clock);
  }

  async send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    if (!(prepared instanceof PreparedInfer)) {
      record.fail("protocol_error", "request was not prepared by the triton backend", 0);
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
    if (status < 200 || status >= 300) {
      record.fail("server_error", serverErrorText(res), record.endNs);
      return;
    }
    const problem = inferBodyProblem(res);
    if (problem !== "") {
      record.fail("protocol_error", problem, record.endNs);
      return;
    }
    record.addResponse(record.endNs);
    if (this.captureOutputs) captureHttpOutputs(res, record, prepared.shm?.readOutput);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#http.close();
    this.onClose(this);
  }
}

/**
 * A cheap sanity check of a 200 reply instead of a JSON parse per request (which would cap the
 * rate): the JSON header must exist, fit the body, and start like an object.
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
  while (i < jsonEnd && (buf[i] === 32 || buf[i] === 9 || buf[i] === 13 || buf[i] === 10)) i++;
  if (i === jsonEnd) return "empty inference response";
  if (buf[i] !== 123) return "inference response is not a JSON object";
  return "";
}
