/**
 * Normalizes KServe v2 model metadata (+ Triton model configuration when the server has one)
 * into the core's ModelInfo, the way perf_analyzer's model parser reads them: names, datatypes
 * and shapes from metadata; batching, scheduler and flags from the config. Protocol-neutral: the
 * gRPC backend passes ModelMetadata / ModelConfig replies decoded with proto field names
 * (backends/triton/grpc_proto.ts), which are the keys Triton's HTTP JSON uses, and the C API
 * backend passes the same documents as the in-process server returns them.
 */
import type { ComposingModel, ModelInfo, TensorInfo } from "../../core/backend.ts";
import { isDataType } from "../../wire/kserve/datatypes.ts";
import { RunError } from "../../core/errors.ts";
import { asArray, asBool, asInt, asObject, asString, type JsonObject } from "./json_fields.ts";

/**
 * maxBatchSize used when a server without a config endpoint shows a leading -1 on every input:
 * batching is assumed but its limit is unknown. Triton stores max_batch_size as int32, so no
 * real limit exceeds this.
 */
export const UNKNOWN_MAX_BATCH_SIZE = 2 ** 31 - 1;

export const NO_CONFIG_NOTE = "Server has no model configuration endpoint: assuming the " +
  "leading -1 dimension is the batch dimension (max batch size unknown).";
export const NO_CONFIG_NO_BATCH_NOTE =
  "Server has no model configuration endpoint: assuming the model does not batch.";
export const NO_STATS_NOTE =
  "Server does not support the statistics extension: no server-side breakdown will be reported.";

const PREFIX = "failed to get model metadata: ";

/**
 * `config` is the parsed /config body, or undefined when the server has none; an empty object
 * stands for an all-default config.
 */
export function normalizeModelInfo(
  metadata: unknown,
  config: JsonObject | undefined,
  requestedVersion: string,
): ModelInfo {
  const md = asObject(metadata);
  if (!md) throw new RunError(`${PREFIX}the server returned no JSON object`);
  const inputs = tensors(md.inputs, "input");
  const outputs = tensors(md.outputs, "output");
  const notes: string[] = [];
  let maxBatchSize: number;
  if (config) {
    maxBatchSize = asInt(config.max_batch_size) ?? 0;
    mergeConfigFlags(inputs, config.input);
    mergeConfigFlags(outputs, config.output);
  } else {
    const batched = inputs.length > 0 && inputs.every((t) => t.shape[0] === -1);
    maxBatchSize = batched ? UNKNOWN_MAX_BATCH_SIZE : 0;
    notes.push(batched ? NO_CONFIG_NOTE : NO_CONFIG_NO_BATCH_NOTE);
  }
  if (maxBatchSize > 0) {
    // Metadata shows the batch dimension as a leading -1; ModelInfo shapes exclude it.
    for (const t of inputs) t.shape = t.shape.slice(1);
    for (const t of outputs) if (config || t.shape[0] === -1) t.shape = t.shape.slice(1);
  }
  const cfg = config ?? {};
  return {
    name: asString(md.name) ?? asString(cfg.name) ?? "",
    version: requestedVersion !== "" ? requestedVersion : soleVersion(md.versions),
    platform: asString(md.platform) || asString(cfg.platform) || asString(cfg.backend) || "",
    inputs,
    outputs,
    maxBatchSize,
    sequence: "sequence_batching" in cfg,
    sequenceStringIds: stringCorrelationIds(cfg.sequence_batching),
    responses: asBool(asObject(cfg.model_transaction_policy)?.decoupled) ? "many" : "one",
    dynamicBatching: "dynamic_batching" in cfg,
    responseCache: asBool(asObject(cfg.response_cache)?.enable),
    notes,
  };
}

/** True when a control_input's CORRID control declares TYPE_STRING (docs/protocols.md §2). */
function stringCorrelationIds(batching: unknown): boolean {
  for (const input of asArray(asObject(batching)?.control_input)) {
    for (const control of asArray(asObject(input)?.control)) {
      const c = asObject(control);
      if (c?.kind === "CONTROL_SEQUENCE_CORRID" && c.data_type === "TYPE_STRING") return true;
    }
  }
  return false;
}

/** Triton lists every ready version; only a single one identifies what will serve requests. */
function soleVersion(versions: unknown): string {
  const list = asArray(versions);
  return list.length === 1 ? String(list[0]) : "";
}

function tensors(list: unknown, kind: string): TensorInfo[] {
  if (list !== undefined && !Array.isArray(list)) {
    throw new RunError(`${PREFIX}'${kind}s' is not an array`);
  }
  return asArray(list).map((x, i) => {
    const t = asObject(x);
    const name = asString(t?.name);
    if (!t || name === undefined) throw new RunError(`${PREFIX}${kind} ${i} has no name`);
    const datatype = asString(t.datatype) ?? "";
    if (!isDataType(datatype)) {
      throw new RunError(`${PREFIX}${kind} '${name}' has unsupported datatype '${datatype}'`);
    }
    const shape = asArray(t.shape).map((d) => asInt(d));
    if (!Array.isArray(t.shape) || shape.some((d) => d === undefined || d < -1)) {
      throw new RunError(`${PREFIX}${kind} '${name}' has an invalid shape`);
    }
    return { name, datatype, shape: shape as number[] };
  });
}

/** Copies optional / is_shape_tensor from config input[] / output[] entries with the same name. */
function mergeConfigFlags(target: TensorInfo[], configList: unknown): void {
  for (const entry of asArray(configList)) {
    const c = asObject(entry);
    const t = target.find((x) => x.name === asString(c?.name));
    if (!c || !t) continue;
    if (asBool(c.optional)) t.optional = true;
    if (asBool(c.is_shape_tensor)) t.isShapeTensor = true;
  }
}

/** Reads a model's configuration (undefined when the server has none); throws RunError. */
export type ConfigReader = (model: string, version: string) => Promise<JsonObject | undefined>;

/** Ensembles nest; a chain deeper than this is a configuration loop, not a pipeline. */
const MAX_ENSEMBLE_DEPTH = 16;

/**
 * The composing models of an ensemble configuration (`ensemble_scheduling.step[]`, version -1
 * meaning unpinned), each with its own read recursively as perf_analyzer's model parser does;
 * undefined for a model that is not an ensemble.
 */
async function composingModels(
  config: JsonObject | undefined,
  read: ConfigReader,
  depth = 0,
): Promise<ComposingModel[] | undefined> {
  if (config === undefined || asString(config.platform) !== "ensemble") return undefined;
  if (depth >= MAX_ENSEMBLE_DEPTH) {
    throw new RunError(
      `failed to get model configuration: ensembles nested more than ${MAX_ENSEMBLE_DEPTH} deep`,
    );
  }
  const seen = new Map<string, ComposingModel>();
  for (const x of asArray(asObject(config.ensemble_scheduling)?.step)) {
    const step = asObject(x);
    const name = asString(step?.model_name);
    if (step === undefined || name === undefined) continue;
    const v = asInt(step.model_version) ?? -1;
    const version = v === -1 ? "" : String(v);
    const key = `${name}\0${version}`;
    if (seen.has(key)) continue;
    seen.set(key, await composingModel(name, version, read, depth + 1));
  }
  return sortComposing([...seen.values()]);
}

/**
 * Reads the composing models of `info`'s configuration into it. An ensemble holding a sequence
 * model is profiled as one (sequence ids and start/end flags on every request).
 */
export async function withComposing(
  info: ModelInfo,
  config: JsonObject | undefined,
  read: ConfigReader,
): Promise<ModelInfo> {
  const composing = await composingModels(config, read);
  if (composing === undefined) return info;
  info.composing = composing;
  if (composing.some((m) => m.sequence)) info.sequence = true;
  return info;
}

/** One composing model, its response-cache flag and its own steps from its configuration. */
async function composingModel(
  name: string,
  version: string,
  read: ConfigReader,
  depth = 0,
): Promise<ComposingModel> {
  const config = await read(name, version);
  const composing = await composingModels(config, read, depth) ?? [];
  return {
    name,
    version,
    responseCache: asBool(asObject(config?.response_cache)?.enable),
    sequence: config !== undefined && "sequence_batching" in config ||
      composing.some((m) => m.sequence),
    composing,
  };
}

/** Name, then version as a string: the order of perf_analyzer's std::map of (name, version). */
function sortComposing(list: ComposingModel[]): ComposingModel[] {
  const cmp = (a: string, b: string) => a < b ? -1 : a > b ? 1 : 0;
  return list.sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version));
}
