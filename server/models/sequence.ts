/**
 * `simple_sequence` and `simple_sequence_string`, sequence models after Triton's
 * simple_sequence example: an INT32 accumulator per sequence. On START it is set to INPUT,
 * otherwise INPUT is added (C int32 wraparound); OUTPUT is the accumulator after the step.
 * The two differ only in the declared CORRID control datatype, which is how clients tell
 * integer from string correlation ids: `simple_sequence_string` (TYPE_STRING) refuses integer
 * ids, `simple_sequence` (TYPE_UINT64) takes both kinds, so either client choice runs on it.
 * Neither batches (max_batch_size 0): a request is one step, INPUT shape [1].
 */
import type { DataType } from "../../wire/kserve/datatypes.ts";
import type { ModelSpec, SequenceBatching, Tensor } from "./mod.ts";
import type { SequenceStep } from "./sequences.ts";

/** What Triton's example declares; this server never reaps idle sequences (see sequences.ts). */
const IDLE_US = 5_000_000;

function batching(corrid: DataType): SequenceBatching {
  return {
    maxSequenceIdleUs: IDLE_US,
    controls: [
      { name: "START", kind: "CONTROL_SEQUENCE_START", int32FalseTrue: [0, 1] },
      { name: "END", kind: "CONTROL_SEQUENCE_END", int32FalseTrue: [0, 1] },
      { name: "READY", kind: "CONTROL_SEQUENCE_READY", int32FalseTrue: [0, 1] },
      { name: "CORRID", kind: "CONTROL_SEQUENCE_CORRID", dataType: corrid },
    ],
  };
}

function executeStep(
  inputs: ReadonlyMap<string, Tensor>,
  step?: SequenceStep,
): Map<string, Tensor> {
  // The executor admits every request of a sequence model first, so the step is always set;
  // validation has checked INPUT's shape is [1].
  const input = inputs.get("INPUT")!;
  const value = (input.values as Int32Array)[0];
  const memory = step!.memory;
  memory.accumulator = step!.start ? value : (memory.accumulator + value) | 0;
  const output = Int32Array.of(memory.accumulator);
  return new Map([["OUTPUT", { datatype: "INT32", shape: input.shape.slice(), values: output }]]);
}

function sequenceModel(name: string, corrid: DataType): ModelSpec {
  return {
    name,
    platform: "simulated",
    backend: "simulated",
    version: "1",
    // No batch dimension: each request is exactly one step of one sequence.
    maxBatchSize: 0,
    inputs: [{ name: "INPUT", datatype: "INT32", dims: [1] }],
    outputs: [{ name: "OUTPUT", datatype: "INT32", dims: [1] }],
    sequence: batching(corrid),
    execute: executeStep,
  };
}

export const SIMPLE_SEQUENCE = sequenceModel("simple_sequence", "UINT64");
export const SIMPLE_SEQUENCE_STRING = sequenceModel("simple_sequence_string", "BYTES");
