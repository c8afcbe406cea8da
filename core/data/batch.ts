/**
 * Data-set steps to requests (docs/perf_analyzer.md §4.3): with -b N each request concatenates N
 * consecutive steps, wrapping at the end, so the distinct requests repeat with a period of
 * steps / gcd(steps, N); those are prepared once and replayed round-robin. With -b 1 a request
 * holds its step's bytes themselves, not a copy, so a large data set is in memory once.
 */
import type { ModelInfo, RequestSpec, TensorData } from "../backend.ts";
import { allSteps, type DataSet, type DataStep, type StepTensor } from "./set.ts";
import { RunError } from "../errors.ts";
import { checkBatchSize } from "./input_data.ts";
import { joinBytes } from "../../wire/bytes.ts";

export interface BatchedRequest {
  spec: RequestSpec;
  /** Expected outputs of the batch's steps, concatenated per output; empty without validation. */
  expected: Map<string, Uint8Array>;
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/** One tensor over the batch's steps; every step must have the same shape. */
function batchTensor(name: string, tensors: StepTensor[], first: number, n: number): StepTensor {
  const shape = tensors[0].shape;
  tensors.forEach((t, i) => {
    if (t.shape.join() !== shape.join()) {
      throw new RunError(
        `can not batch tensors with different shapes together: input ${name} has shape ` +
          `[${shape.join(",")}] in data entry ${first % n} and [${t.shape.join(",")}] in data ` +
          `entry ${(first + i) % n}`,
      );
    }
  });
  return { datatype: tensors[0].datatype, shape, bytes: joinBytes(tensors.map((t) => t.bytes)) };
}

function specOf(model: ModelInfo, inputs: [string, StepTensor][], b: number, version: string) {
  const data: TensorData[] = inputs.map(([name, t]) => ({
    name,
    datatype: t.datatype,
    shape: model.maxBatchSize > 0 ? [b, ...t.shape] : t.shape,
    bytes: t.bytes,
  }));
  return {
    model: model.name,
    version,
    inputs: data,
    outputs: model.outputs.map((o) => o.name),
    batchSize: b,
  };
}

/** The request of one batch-1 step (sequence models send steps one by one). */
export function stepRequest(model: ModelInfo, step: DataStep, version: string): RequestSpec {
  return specOf(model, [...step.inputs], 1, version);
}

export function batchRequests(
  model: ModelInfo,
  data: DataSet,
  batchSize: number,
  version: string,
): BatchedRequest[] {
  if (!Number.isInteger(batchSize) || batchSize < 1) {
    throw new RunError(`batch size must be a whole number >= 1, got -b ${batchSize}`);
  }
  checkBatchSize(model, batchSize);
  const steps = allSteps(data);
  const n = steps.length;
  if (n === 0) throw new RunError("the input data has no entries to send");
  const count = n / gcd(n, batchSize);
  const out: BatchedRequest[] = [];
  for (let k = 0; k < count; k++) {
    const first = k * batchSize;
    const batch = Array.from({ length: batchSize }, (_, i) => steps[(first + i) % n]);
    // Model order; an optional input counts when any step of the batch has it.
    const names = model.inputs.map((t) => t.name).filter((x) => batch.some((s) => s.inputs.has(x)));
    const inputs = names.map((name): [string, StepTensor] => {
      const parts = batch.map((s) => s.inputs.get(name));
      const lacking = parts.findIndex((p) => p === undefined);
      if (lacking >= 0) {
        const having = parts.findIndex((p) => p !== undefined);
        throw new RunError(
          `can not batch data entries with different inputs together: optional input ${name} ` +
            `is in data entry ${(first + having) % n} but not in data entry ` +
            `${(first + lacking) % n}`,
        );
      }
      return [name, batchTensor(name, parts as StepTensor[], first, n)];
    });
    // An output is checked when every step of the batch has expected data for it.
    const expected = new Map<string, Uint8Array>();
    for (const name of batch[0].expected.keys()) {
      const parts = batch.map((s) => s.expected.get(name)?.bytes);
      if (parts.every((p) => p !== undefined)) expected.set(name, joinBytes(parts as Uint8Array[]));
    }
    out.push({ spec: specOf(model, inputs, batchSize, version), expected });
  }
  return out;
}
