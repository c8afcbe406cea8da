/**
 * perf_analyzer's JSON input data (reference §4.2, §4.4): {"data": [...]} as one flat stream of
 * steps or as a list of streams, optional "validation_data" of the same layout, per-step
 * "timestamp" for --fixed-schedule. Every problem is one RunError line naming the file, the
 * stream and step, the tensor and what is wrong.
 */
import type { ModelInfo } from "./backend.ts";
import { type TensorTarget, tensorValue } from "./data_tensor.ts";
import { DataError, NON_FINITE_KEY } from "./data_tensor.ts";
import type { DataSet, DataStep, StepTensor } from "./data_set.ts";
import { RunError } from "./errors.ts";
import { jsonErrorLocation } from "./json_position.ts";

/** Keys a step may carry besides tensors. */
const STEP_KEYS = new Set(["model", "timestamp"]);

/**
 * perf_analyzer's parser accepts NaN, Infinity and -Infinity; JSON.parse does not. Outside
 * strings those literals become {"<key>": "NaN"} objects that float tensors turn back into
 * numbers. Strings are skipped whole, so text like "NaN" inside a string is left alone.
 */
function withNonFiniteLiterals(text: string): string {
  if (!/NaN|Infinity/.test(text)) return text;
  let out = "";
  let last = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
      continue;
    }
    const m = /^(-?Infinity|NaN)/.exec(text.slice(i, i + 9));
    if (m && (c === "N" || c === "I" || c === "-")) {
      out += text.slice(last, i) + `{"${NON_FINITE_KEY}":"${m[1]}"}`;
      i += m[1].length - 1;
      last = i + 1;
    }
  }
  return out + text.slice(last);
}

function parse(text: string, path: string): unknown {
  const rewritten = withNonFiniteLiterals(text);
  try {
    return JSON.parse(rewritten);
  } catch (e) {
    const at = jsonErrorLocation(rewritten);
    // A replaced literal shifts offsets; lines stay right, and columns only after it move.
    const where = at === undefined ? "" : ` at ${at}`;
    const detail = (e as Error).message.replace(/ in JSON at position.*$/, "").replace(/\s+/g, " ");
    throw new RunError(`${path}: invalid JSON${where}: ${detail.slice(0, 80)}`);
  }
}

/** Streams of raw step objects: one stream for a flat list, several for a list of lists. */
function streamsOf(list: unknown, path: string, field: string): unknown[][] {
  if (!Array.isArray(list)) throw new RunError(`${path}: "${field}" must be a list`);
  const arrays = list.filter(Array.isArray).length;
  if (arrays === 0) return [list];
  if (arrays === list.length) return list as unknown[][];
  throw new RunError(
    `${path}: Inconsistency in input-data provided. Can not have a combination of objects and ` +
      `arrays inside of the "${field}" list`,
  );
}

interface StepContext {
  path: string;
  stream: number;
  step: number;
  flat: boolean;
}

function where(c: StepContext): string {
  return c.flat ? `entry ${c.step}` : `stream ${c.stream} step ${c.step}`;
}

function tensors(
  raw: Record<string, unknown>,
  targets: TensorTarget[],
  shapes: Map<string, number[]>,
  c: StepContext,
): Map<string, StepTensor> {
  const out = new Map<string, StepTensor>();
  for (const t of targets) {
    if (!(t.name in raw)) continue;
    try {
      out.set(t.name, tensorValue(t, raw[t.name], shapes));
    } catch (e) {
      if (!(e instanceof DataError)) throw e;
      throw new RunError(`${c.path}: ${where(c)}, tensor '${t.name}': ${e.message}`);
    }
  }
  return out;
}

function timestampOf(raw: Record<string, unknown>, c: StepContext): number | undefined {
  if (!("timestamp" in raw)) return undefined;
  const v = Array.isArray(raw.timestamp) && raw.timestamp.length === 1
    ? raw.timestamp[0]
    : raw.timestamp;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RunError(`${c.path}: ${where(c)}: "timestamp" must be [ms] with ms >= 0`);
  }
  return v;
}

function stepOf(
  raw: unknown,
  model: ModelInfo,
  shapes: Map<string, number[]>,
  c: StepContext,
): DataStep {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new RunError(`${c.path}: ${where(c)} must be an object of tensors`);
  }
  const obj = raw as Record<string, unknown>;
  const names = new Set([...model.inputs, ...model.outputs].map((t) => t.name));
  for (const key of Object.keys(obj)) {
    if (!STEP_KEYS.has(key) && !names.has(key)) {
      throw new RunError(
        `${c.path}: ${where(c)}: The input or output '${key}' is not found in the model ` +
          "configuration",
      );
    }
  }
  for (const input of model.inputs) {
    if (!input.optional && !(input.name in obj)) {
      throw new RunError(
        `${c.path}: missing tensor ${input.name} ( Location stream id: ${c.stream}, step id: ` +
          `${c.step})`,
      );
    }
  }
  const targets = model.inputs.map((t) => ({ name: t.name, datatype: t.datatype, dims: t.shape }));
  return {
    inputs: tensors(obj, targets, shapes, c),
    expected: new Map(),
    timestampMs: timestampOf(obj, c),
  };
}

/** Adds validation_data to the steps it must align with, one output tensor at a time. */
function addExpected(
  streams: DataStep[][],
  validation: unknown[][],
  model: ModelInfo,
  path: string,
  flat: boolean,
): void {
  const aligned = validation.length === streams.length &&
    validation.every((s, i) => s.length === streams[i].length);
  if (!aligned) {
    throw new RunError(
      `${path}: The 'validation_data' field doesn't align with 'data' field in the json file`,
    );
  }
  const targets = model.outputs.map((t) => ({ name: t.name, datatype: t.datatype, dims: t.shape }));
  validation.forEach((steps, s) =>
    steps.forEach((raw, k) => {
      const c = { path, stream: s, step: k, flat };
      if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        throw new RunError(`${path}: validation_data ${where(c)} must be an object of tensors`);
      }
      const obj = raw as Record<string, unknown>;
      for (const key of Object.keys(obj)) {
        if (!targets.some((t) => t.name === key)) {
          throw new RunError(
            `${path}: validation_data ${where(c)}: The input or output '${key}' is not found ` +
              "in the model configuration",
          );
        }
      }
      streams[s][k].expected = tensors(obj, targets, new Map(), c);
    })
  );
}

/** Parses one JSON data file into streams of encoded steps. */
export function parseJsonData(
  text: string,
  path: string,
  model: ModelInfo,
  shapes: Map<string, number[]>,
): DataSet {
  const doc = parse(text, path);
  if (typeof doc !== "object" || doc === null || !("data" in doc)) {
    throw new RunError(`${path}: expected a JSON object with a "data" list`);
  }
  const top = doc as Record<string, unknown>;
  const raw = streamsOf(top.data, path, "data");
  const flat = raw.length === 1 && !Array.isArray((top.data as unknown[])[0]);
  const streams = raw.map((steps, s) =>
    steps.map((step, k) => stepOf(step, model, shapes, { path, stream: s, step: k, flat }))
  );
  if (streams.some((s) => s.length === 0)) throw new RunError(`${path}: a data stream is empty`);
  const validation = "validation_data" in top;
  if (validation) {
    addExpected(
      streams,
      streamsOf(top.validation_data, path, "validation_data"),
      model,
      path,
      flat,
    );
  }
  return { streams, validation };
}
