/**
 * What the reference server's TF Serving front ends (gRPC and REST) share: which models they
 * serve, each model's "serving_default" signature, version resolution, TF Serving's error texts,
 * and Predict itself through the model's ModelExecutor, so the ground truth (server/models/stats.ts)
 * counts these requests exactly like KServe ones.
 */
import { DEFAULT_SIGNATURE, type TfObject } from "../../wire/tfserving/proto.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { tfDtypeName } from "./tensor.ts";
import type { OutputEncoder } from "../models/executor.ts";
import { ApiError, invalidArg } from "../kserve/http_error.ts";
import type { InferRequest } from "../kserve/infer_request.ts";
import { validateAgainstModel } from "../kserve/infer_validate.ts";
import type { IoSpec, ModelSpec } from "../models/mod.ts";
import type { ModelEntry, ServerContext } from "../kserve/routes.ts";
import { nowNs } from "../models/stats.ts";

/** One input as a front end decoded it: wire bytes (gRPC) or flat JSON elements (REST). */
export interface TfInput {
  datatype: DataType;
  shape: number[];
  binary?: Uint8Array;
  json?: unknown[];
}

/** How a request names the version: none (latest), a number, or a label. */
export type VersionChoice = { kind: "latest" } | { kind: "number"; value: string } | {
  kind: "label";
  value: string;
};

/** TF Serving's text for the servable a request named (labels count as numbers here). */
function servableText(name: string, v: VersionChoice): string {
  return v.kind === "latest" ? `Latest(${name})` : `Specific(${name}, ${v.value})`;
}

/** Stateless single-response models whose every tensor has a TF dtype. */
export function servesOverTf(spec: ModelSpec): boolean {
  if (spec.sequence !== undefined || spec.decoupled !== undefined) return false;
  return [...spec.inputs, ...spec.outputs].every((io) => tfDtypeName(io.datatype) !== undefined);
}

/**
 * The model a request names. Only version 1 exists; a label is taken as a version number
 * (TF Serving would need the label configured; perf_analyzer sends -x as a label).
 */
export function resolveTfModel(ctx: ServerContext, name: string, v: VersionChoice): ModelEntry {
  const entry = ctx.models.get(name);
  const versionOk = v.kind === "latest" || Number(v.value) === 1;
  if (entry === undefined || !servesOverTf(entry.spec) || !versionOk) {
    throw new ApiError(404, `Servable not found for request: ${servableText(name, v)}`);
  }
  return entry;
}

function tensorInfo(spec: ModelSpec, io: IoSpec): TfObject {
  const dims = spec.maxBatchSize > 0 ? [-1, ...io.dims] : io.dims;
  return {
    name: `${io.name}:0`,
    dtype: tfDtypeName(io.datatype),
    tensor_shape: { dim: dims.map((size) => ({ size })) },
  };
}

/** The model's one signature, "serving_default", as a SignatureDef object. */
export function signatureDef(spec: ModelSpec): TfObject {
  const map = (ios: IoSpec[]) =>
    Object.fromEntries(ios.map((io) => [io.name, tensorInfo(spec, io)]));
  return {
    inputs: map(spec.inputs),
    outputs: map(spec.outputs),
    method_name: "tensorflow/serving/predict",
  };
}

/** Refuses a signature name other than the default ("" means the default). */
export function checkSignature(signature: string): void {
  if (signature !== "" && signature !== DEFAULT_SIGNATURE) {
    throw invalidArg(`Serving signature key "${signature}" not found.`);
  }
}

/** TF's lowercase dtype names in its "Expects arg" message (only served dtypes get here). */
function tfName(dt: DataType): string {
  return (tfDtypeName(dt) ?? dt).slice(3).toLowerCase();
}

function aliasSet(ios: IoSpec[]): string {
  return `{${ios.map((i) => i.name).join(",")}}`;
}

/** A PredictRequest's inputs and output filter checked as TF Serving checks them. */
function inferRequest(
  spec: ModelSpec,
  inputs: Map<string, TfInput>,
  filter: string[],
): InferRequest {
  for (const [name, t] of inputs) {
    const io = spec.inputs.find((i) => i.name === name);
    if (io === undefined) {
      throw invalidArg(
        `input tensor alias not found in signature: ${name}. Inputs expected to be in the ` +
          `set ${aliasSet(spec.inputs)}.`,
      );
    }
    if (t.datatype !== io.datatype) {
      const at = spec.inputs.indexOf(io);
      throw invalidArg(
        `Expects arg[${at}] to be ${tfName(io.datatype)} but ${tfName(t.datatype)} is provided`,
      );
    }
  }
  const missing = spec.inputs.filter((i) => !inputs.has(i.name) && !i.optional);
  if (missing.length > 0) {
    throw invalidArg(
      `Missing ${missing.length} input(s): ${missing.map((i) => i.name).join(", ")}; the ` +
        `signature expects ${aliasSet(spec.inputs)}`,
    );
  }
  for (const name of filter) {
    if (!spec.outputs.some((o) => o.name === name)) {
      throw invalidArg(
        `output tensor alias not found in signature: ${name} Outputs expected to be in the ` +
          `set ${aliasSet(spec.outputs)}.`,
      );
    }
  }
  const names = filter.length > 0 ? filter : spec.outputs.map((o) => o.name);
  return {
    id: "",
    inputs: [...inputs].map(([name, t]) => ({
      name,
      datatype: t.datatype,
      shape: t.shape,
      json: t.json,
      binary: t.binary,
    })),
    outputs: names.map((name) => ({ name, binary: true })),
    batchSize: 0,
  };
}

/**
 * Runs one Predict: decode errors and refusals (ApiError) are counted as failures, as every
 * other front end counts them. `encode` renders the outputs (TensorProto
 * objects for gRPC, JSON for REST).
 */
export async function tfPredict<R>(
  entry: ModelEntry,
  decode: () => { inputs: Map<string, TfInput>; filter: string[] },
  encode: OutputEncoder<R>,
): Promise<R> {
  const arrivalNs = nowNs();
  let req: InferRequest;
  try {
    const { inputs, filter } = decode();
    req = inferRequest(entry.spec, inputs, filter);
    req.batchSize = validateAgainstModel(entry.spec, req);
  } catch (e) {
    entry.executor.recordFailure(arrivalNs);
    throw e;
  }
  return await entry.executor.execute(req, arrivalNs, encode);
}
