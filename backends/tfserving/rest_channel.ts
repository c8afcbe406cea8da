/**
 * One TF Serving REST channel (-i http): a keep-alive HTTP/1.1 connection (the project's raw
 * client) writing prepared :predict requests. 200 is a success; an error status keeps TF
 * Serving's {"error"} text. With captureOutputs the {"outputs"} reply is decoded using the
 * signature's output dtypes (REST JSON carries none). Never rejects.
 */
import type { Channel, PreparedRequest, TensorInfo } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import type { OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import { HttpConnection, type HttpResponse } from "../net/http_connection.ts";
import { serverErrorText, timedExchange } from "../net/http_exchange.ts";
import type { ServerTarget } from "../net/http_url.ts";
import {
  captureInto,
  checkedOutput,
  OutputDecodeError,
  outputFromValues,
} from "../triton/output_tensor.ts";
import { unnest } from "./json.ts";

/** The complete request bytes; the class lets the channel refuse foreign prepared requests. */
export class PreparedRestPredict {
  constructor(readonly bytes: Uint8Array) {}
}

const utf8 = new TextDecoder();

/** The {"outputs"} of a columnar reply: one output's bare list, or several by name. */
export function decodeRestOutputs(
  text: string,
  outputs: readonly TensorInfo[],
  out: OutputTensor[],
) {
  let reply: { outputs?: unknown };
  try {
    reply = JSON.parse(text);
  } catch (e) {
    throw new OutputDecodeError(`the :predict reply is not JSON: ${(e as Error).message}`);
  }
  const value = reply.outputs;
  const named = outputs.length === 1 ? { [outputs[0].name]: value } : value;
  if (typeof named !== "object" || named === null || Array.isArray(named)) {
    throw new OutputDecodeError('the :predict reply has no {"outputs": {name: list}} object');
  }
  for (const [name, list] of Object.entries(named as Record<string, unknown>)) {
    const info = outputs.find((o) => o.name === name);
    if (info === undefined) throw new OutputDecodeError(`output '${name}' is not in the signature`);
    let nested;
    try {
      nested = unnest(name, list);
    } catch (e) {
      if (e instanceof RunError) {
        throw new OutputDecodeError(e.message.replace(/^tensor /, "output "));
      }
      throw e;
    }
    const bytes = outputFromValues(name, info.datatype, nested.flat);
    out.push(checkedOutput(name, info.datatype, nested.shape, bytes));
  }
}

export class TfServingRestChannel implements Channel {
  readonly #http: HttpConnection;
  #closed = false;
  /** Made once: the hot path allocates no closure per request. */
  readonly #isClosed = () => this.#closed;

  constructor(
    target: ServerTarget,
    private readonly clock: Clock,
    private readonly onClose: (ch: TfServingRestChannel) => void,
    /** Per-request timeout in ms; 0 waits for ever. */
    private readonly timeoutMs: number,
    /** The signature's outputs when outputs are captured, else undefined. */
    private readonly capture: readonly TensorInfo[] | undefined,
  ) {
    this.#http = new HttpConnection(target, clock);
  }

  async send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    if (!(prepared instanceof PreparedRestPredict)) {
      record.fail("protocol_error", "request was not prepared by the tfserving backend", 0);
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
    if (status === 200) {
      record.addResponse(record.endNs);
      if (this.capture !== undefined) this.#captureOutputs(res, record, this.capture);
      return;
    }
    record.fail("server_error", serverErrorText(res), record.endNs);
  }

  #captureOutputs(res: HttpResponse, record: RequestRecord, outputs: readonly TensorInfo[]) {
    const text = utf8.decode(res.buf.subarray(res.bodyStart, res.bodyEnd));
    captureInto(record, record.endNs, (out) => decodeRestOutputs(text, outputs, out));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#http.close();
    this.onClose(this);
  }
}
