/** The simulated models the reference server serves, and what each computes. */
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { invalidArg } from "../kserve/http_error.ts";
import { ECHO_ALL } from "./echo.ts";
import { REPEAT_INT32 } from "./repeat.ts";
import { SIMPLE_SEQUENCE, SIMPLE_SEQUENCE_STRING } from "./sequence.ts";
import type { RawBytes } from "../kserve/raw_tensor.ts";
import type { SequenceStep } from "./sequences.ts";
import { SIMPLE_BLS, SIMPLE_ENSEMBLE } from "./pipeline.ts";

/**
 * Element storage for the datatypes the models use; BYTES elements are decoded as UTF-8.
 * Models with `rawInputs` get (and may return) the wire bytes instead.
 */
export type TensorValues = Int32Array | Uint32Array | Float32Array | string[] | RawBytes;

export interface Tensor {
  datatype: DataType;
  /** Full shape, including the batch dimension. */
  shape: number[];
  values: TensorValues;
}

/** One input or output as the model configuration declares it (dims exclude the batch dim). */
export interface IoSpec {
  name: string;
  datatype: DataType;
  dims: number[];
  /** The request may leave it out (model config `optional: true`). */
  optional?: boolean;
}

/** One response of a decoupled model, sent after `delayMs` (undefined: the server's compute time). */
export interface DecoupledResponse {
  outputs: Map<string, Tensor>;
  delayMs: number | undefined;
}

/** Everything a decoupled model answers to one request, and how long it holds on afterwards. */
export interface DecoupledPlan {
  responses: DecoupledResponse[];
  /** Held after the last response, before the request is released. */
  waitMs: number;
}

/** One control input of the sequence batcher (model config `sequence_batching.control_input`). */
export interface SequenceControl {
  name: string;
  kind:
    | "CONTROL_SEQUENCE_START"
    | "CONTROL_SEQUENCE_READY"
    | "CONTROL_SEQUENCE_END"
    | "CONTROL_SEQUENCE_CORRID";
  /** The [false, true] values of a START/READY/END control. */
  int32FalseTrue?: [number, number];
  /** The datatype of a CORRID control (TYPE_STRING means string correlation ids). */
  dataType?: DataType;
}

/** A sequence model's `sequence_batching` (Direct strategy, Triton's default). */
export interface SequenceBatching {
  maxSequenceIdleUs: number;
  controls: SequenceControl[];
}

export interface ModelSpec {
  name: string;
  platform: string;
  backend: string;
  /** Only version "1" exists. */
  version: string;
  maxBatchSize: number;
  inputs: IoSpec[];
  outputs: IoSpec[];
  /** Inputs reach `execute` as RawBytes (the wire bytes), whatever their datatype. */
  rawInputs?: boolean;
  /** Set for sequence models: requests go through the sequence rules (sequences.ts). */
  sequence?: SequenceBatching;
  /**
   * Computes the outputs; throws ApiError for inputs the model cannot use. An output may be
   * left out (Triton then leaves it out of the response, even when it was requested). A
   * sequence model gets its request's `step`; other models never do.
   */
  execute(
    inputs: ReadonlyMap<string, Tensor>,
    step?: SequenceStep,
    call?: ModelCall,
  ): Map<string, Tensor> | Promise<Map<string, Tensor>>;
  /**
   * Set for an ensemble (platform "ensemble"): the steps `execute` runs through `call`, listed
   * in its configuration. Like Triton's ensemble scheduler it has no queue or instances of its
   * own, and its statistics add up its steps' (pipeline.ts).
   */
  ensemble?: EnsembleStep[];
  /**
   * The response cache is on (`response_cache { enable: true }`): a request whose inputs were
   * seen before is answered from the cache, counted as a cache hit and never computed.
   */
  responseCache?: boolean;
  /**
   * Set for decoupled models (`model_transaction_policy { decoupled: true }`): the responses
   * replace `execute`, and only gRPC streaming may run them.
   */
  decoupled?: (inputs: ReadonlyMap<string, Tensor>) => DecoupledPlan;
}

/**
 * Runs a request on another model of this server, as Triton's ensemble scheduler and BLS models
 * do: it waits in that model's queue and is counted in that model's statistics.
 */
export type ModelCall = (
  model: string,
  inputs: Map<string, Tensor>,
) => Promise<Map<string, Tensor>>;

/** One `ensemble_scheduling.step`: model input → ensemble tensor, model output → tensor. */
export interface EnsembleStep {
  model: string;
  inputMap: Record<string, string>;
  outputMap: Record<string, string>;
}

function pair(inputs: ReadonlyMap<string, Tensor>): [Tensor, Tensor] {
  // Validation guarantees both inputs exist with the model's datatype and shape.
  return [inputs.get("INPUT0")!, inputs.get("INPUT1")!];
}

function executeSimple(inputs: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const [t0, t1] = pair(inputs);
  const a = t0.values as Int32Array;
  const b = t1.values as Int32Array;
  const sum = new Int32Array(a.length);
  const diff = new Int32Array(a.length);
  // `| 0` gives C int32 wraparound.
  for (let i = 0; i < a.length; i++) {
    sum[i] = (a[i] + b[i]) | 0;
    diff[i] = (a[i] - b[i]) | 0;
  }
  return new Map([
    ["OUTPUT0", { datatype: "INT32", shape: t0.shape.slice(), values: sum }],
    ["OUTPUT1", { datatype: "INT32", shape: t0.shape.slice(), values: diff }],
  ]);
}

const DECIMAL = /^\s*[+-]?\d+\s*$/;

/** Parses a decimal INT32 string the way the client wrote it, or names the bad element. */
function parseInt32(s: string, input: string, index: number): number {
  const n = DECIMAL.test(s) ? Number(s) : NaN;
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    const shown = JSON.stringify(s.length > 40 ? s.slice(0, 40) + "..." : s);
    throw invalidArg(
      `unable to parse input '${input}' element ${index} for model 'simple_string': ` +
        `expected a decimal INT32 string, got ${shown}`,
    );
  }
  return n;
}

function executeSimpleString(inputs: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const [t0, t1] = pair(inputs);
  const a = t0.values as string[];
  const b = t1.values as string[];
  const sum: string[] = new Array(a.length);
  const diff: string[] = new Array(a.length);
  for (let i = 0; i < a.length; i++) {
    const x = parseInt32(a[i], "INPUT0", i);
    const y = parseInt32(b[i], "INPUT1", i);
    sum[i] = String((x + y) | 0);
    diff[i] = String((x - y) | 0);
  }
  return new Map([
    ["OUTPUT0", { datatype: "BYTES", shape: t0.shape.slice(), values: sum }],
    ["OUTPUT1", { datatype: "BYTES", shape: t0.shape.slice(), values: diff }],
  ]);
}

function executeIdentity(inputs: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const t = inputs.get("INPUT0")!;
  // Outputs are never written after encoding, so sharing the input storage is safe.
  return new Map([["OUTPUT0", { datatype: "FP32", shape: t.shape.slice(), values: t.values }]]);
}

function executeIdentityInt32(inputs: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const t = inputs.get("INPUT0")!;
  return new Map([["OUTPUT0", { datatype: "INT32", shape: t.shape.slice(), values: t.values }]]);
}

function addSub(name: string, datatype: DataType, execute: ModelSpec["execute"]): ModelSpec {
  const io = (n: string): IoSpec => ({ name: n, datatype, dims: [16] });
  return {
    name,
    platform: "simulated",
    backend: "simulated",
    version: "1",
    maxBatchSize: 8,
    inputs: [io("INPUT0"), io("INPUT1")],
    outputs: [io("OUTPUT0"), io("OUTPUT1")],
    execute,
  };
}

/** Every model, in the order they are listed (and reported in /v2/models/stats). */
export const MODELS: readonly ModelSpec[] = [
  addSub("simple", "INT32", executeSimple),
  addSub("simple_string", "BYTES", executeSimpleString),
  { ...addSub("simple_cached", "INT32", executeSimple), responseCache: true },
  {
    name: "identity_fp32",
    platform: "simulated",
    backend: "simulated",
    version: "1",
    maxBatchSize: 8,
    inputs: [{ name: "INPUT0", datatype: "FP32", dims: [-1] }],
    outputs: [{ name: "OUTPUT0", datatype: "FP32", dims: [-1] }],
    execute: executeIdentity,
  },
  REPEAT_INT32,
  SIMPLE_SEQUENCE,
  SIMPLE_SEQUENCE_STRING,
  ECHO_ALL,
  {
    name: "identity_int32",
    platform: "simulated",
    backend: "simulated",
    version: "1",
    maxBatchSize: 8,
    inputs: [{ name: "INPUT0", datatype: "INT32", dims: [16] }],
    outputs: [{ name: "OUTPUT0", datatype: "INT32", dims: [16] }],
    execute: executeIdentityInt32,
  },
  SIMPLE_ENSEMBLE,
  SIMPLE_BLS,
];
