/**
 * What a TF Serving REST :predict reply (-i http) means to the shared HTTP channel: 200 is a
 * success; an error status keeps TF Serving's {"error"} text; captured outputs come from the
 * {"outputs"} reply.
 */
import type { TensorInfo } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import type { OutputTensor } from "../../core/measure/record.ts";
import { type HttpReplies, serverErrorText } from "../net/http_channel.ts";
import {
  captureInto,
  checkedOutput,
  OutputDecodeError,
  outputFromValues,
} from "../shared/output_tensor.ts";
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

/**
 * The rules for :predict replies. With `outputs` (the signature's outputs, given when outputs
 * are captured) the {"outputs"} reply is decoded with their dtypes, which REST JSON lacks.
 */
export function restReplies(
  outputs: readonly TensorInfo[] | undefined,
): HttpReplies<PreparedRestPredict> {
  const rules: HttpReplies<PreparedRestPredict> = {
    backend: "tfserving",
    prepared: PreparedRestPredict,
    ok: (status) => status === 200,
    errorText: serverErrorText,
  };
  if (outputs !== undefined) {
    rules.capture = (res, record) => {
      const text = utf8.decode(res.buf.subarray(res.bodyStart, res.bodyEnd));
      captureInto(record, record.endNs, (out) => decodeRestOutputs(text, outputs, out));
    };
  }
  return rules;
}
