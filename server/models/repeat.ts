/**
 * `repeat_int32`, a decoupled model after Triton's repeat example: IN holds N values and the
 * model answers with N responses, response i carrying OUT = [IN[i]] and IDX = [i]. DELAY[i]
 * (ms) is waited before response i and WAIT[0] (ms) after the last one, before the request
 * is released. Unlike Triton's example, DELAY and WAIT are optional: without DELAY each
 * response takes the server's simulated compute time, without WAIT nothing is held.
 */
import { ApiError, invalidArg } from "../kserve/http_error.ts";
import type { DecoupledPlan, ModelSpec, Tensor } from "./mod.ts";

/**
 * A delay a client cannot mean (e.g. perf_analyzer's random UINT32 data) would hold an
 * instance for weeks and overflow timers; refusing it is kinder than a silent hang.
 */
export const MAX_REPEAT_DELAY_MS = 60_000;

function dims(t: Tensor): string {
  return `[${t.shape.join(",")}]`;
}

function checkDelays(name: string, values: Uint32Array): void {
  for (let i = 0; i < values.length; i++) {
    if (values[i] > MAX_REPEAT_DELAY_MS) {
      throw invalidArg(
        `input '${name}' element ${i} for model 'repeat_int32' is ${values[i]} ms; ` +
          `the reference server accepts at most ${MAX_REPEAT_DELAY_MS} ms`,
      );
    }
  }
}

function planRepeat(inputs: ReadonlyMap<string, Tensor>): DecoupledPlan {
  const input = inputs.get("IN")!;
  const values = input.values as Int32Array;
  const delay = inputs.get("DELAY");
  const wait = inputs.get("WAIT");
  const delays = delay?.values as Uint32Array | undefined;
  if (delays !== undefined && delays.length !== values.length) {
    throw invalidArg(
      `expected IN and DELAY shape to match for model 'repeat_int32', got ${dims(input)} ` +
        `and ${dims(delay!)}`,
    );
  }
  if (delays !== undefined) checkDelays("DELAY", delays);
  const waits = wait?.values as Uint32Array | undefined;
  if (waits !== undefined) checkDelays("WAIT", waits);
  const responses = Array.from(values, (v, i) => ({
    outputs: new Map<string, Tensor>([
      ["OUT", { datatype: "INT32", shape: [1], values: Int32Array.of(v) }],
      ["IDX", { datatype: "UINT32", shape: [1], values: Uint32Array.of(i) }],
    ]),
    delayMs: delays?.[i],
  }));
  return { responses, waitMs: waits?.[0] ?? 0 };
}

export const REPEAT_INT32: ModelSpec = {
  name: "repeat_int32",
  platform: "simulated",
  backend: "simulated",
  version: "1",
  maxBatchSize: 0,
  inputs: [
    { name: "IN", datatype: "INT32", dims: [-1] },
    { name: "DELAY", datatype: "UINT32", dims: [-1], optional: true },
    { name: "WAIT", datatype: "UINT32", dims: [1], optional: true },
  ],
  outputs: [
    { name: "OUT", datatype: "INT32", dims: [1] },
    { name: "IDX", datatype: "UINT32", dims: [1] },
  ],
  execute(): Map<string, Tensor> {
    // Every front end routes decoupled models to `decoupled` or refuses them first.
    throw new ApiError(500, "repeat_int32 is decoupled and has no single response");
  },
  decoupled: planRepeat,
};
