/**
 * perf_analyzer's JSON input data (docs/perf_analyzer.md §4.2, §4.4): {"data": [...]} as one flat
 * stream of steps or as a list of streams, optional "validation_data" of the same layout, per-step
 * "timestamp" for --fixed-schedule, "session_id" and "delay" for --session-concurrency. Every problem is one RunError line naming the file, the
 * entry (flat data) or stream and step, the tensor and what is wrong; perf_analyzer's own
 * texts are kept where it has one.
 */
import type { ModelInfo, TensorInfo } from "../backend.ts";
import type { DataSet, DataStep, StepTensor } from "./set.ts";
import { isObject, jsonTensor, show, type TensorRole } from "./tensor.ts";
import { RunError } from "../errors.ts";
import { parseJsonText } from "./json_text.ts";

/** Keys a step may carry besides tensors. */
const STEP_KEYS = new Set(["model", "timestamp", "session_id", "delay"]);

type Field = "data" | "validation_data";

interface Layout {
  /** A flat list of steps (one stream), not a list of streams. */
  flat: boolean;
  streams: unknown[][];
}

/** The streams of raw steps of `data` or `validation_data`. */
function layoutOf(list: unknown, path: string, field: Field): Layout {
  if (!Array.isArray(list)) {
    throw new RunError(
      `${path}: '${field}' must be a list of steps, or a list of lists of steps (one per ` +
        `stream), got ${show(list)}`,
    );
  }
  if (list.length === 0) throw new RunError(`${path}: '${field}' has no entries`);
  const flat = !Array.isArray(list[0]);
  const odd = list.findIndex((x) => Array.isArray(x) === flat);
  if (odd >= 0) {
    throw new RunError(
      `${path}: Inconsistency in input-data provided. Can not have a combination of objects ` +
        `and arrays inside of the Data array ('${field}' entry 0 is ${
          flat ? "a step" : "a list"
        }, ` +
        `entry ${odd} ${flat ? "a list" : "a step"})`,
    );
  }
  const streams = flat ? [list] : list as unknown[][];
  const empty = streams.findIndex((s) => s.length === 0);
  if (empty >= 0) throw new RunError(`${path}: '${field}' stream ${empty} has no steps`);
  return { flat, streams };
}

/** "d.json: entry 3", "d.json: validation_data stream 1 step 0". */
function placeOf(path: string, field: Field, flat: boolean, s: number, k: number): string {
  const prefix = field === "data" ? "" : "validation_data ";
  return `${path}: ${prefix}${flat ? `entry ${k}` : `stream ${s} step ${k}`}`;
}

/** The tensors of one step (inputs for data, outputs for validation_data). */
function tensorsOf(
  raw: unknown,
  model: ModelInfo,
  role: TensorRole,
  shapes: Map<string, number[]>,
  where: string,
): Map<string, StepTensor> {
  if (!isObject(raw)) {
    throw new RunError(`${where}: expected a step object (tensor name to data), got ${show(raw)}`);
  }
  const infos: TensorInfo[] = role === "input" ? model.inputs : model.outputs;
  for (const key of Object.keys(raw)) {
    if (!STEP_KEYS.has(key) && !infos.some((t) => t.name === key)) {
      throw new RunError(
        // The key escaped as in JSON, so a newline in it cannot break the one-line message.
        `${where}: The input or output '${JSON.stringify(key).slice(1, -1)}' is not found in ` +
          "the model configuration",
      );
    }
  }
  const out = new Map<string, StepTensor>();
  for (const info of infos) {
    if (info.name in raw) out.set(info.name, jsonTensor(info, raw[info.name], role, shapes, where));
  }
  return out;
}

function checkInputs(
  step: Map<string, StepTensor>,
  model: ModelInfo,
  path: string,
  s: number,
  k: number,
) {
  const missing = model.inputs.find((t) => !t.optional && !step.has(t.name));
  if (missing) {
    throw new RunError(
      `${path}: missing tensor ${missing.name} ( Location stream id: ${s}, step id: ${k})`,
    );
  }
}

/** The one value of `[v]` (a bare value is taken too), undefined when `key` is absent. */
function scalarOf(raw: Record<string, unknown>, key: string): unknown {
  if (!(key in raw)) return undefined;
  const v = raw[key];
  return Array.isArray(v) && v.length === 1 ? v[0] : v;
}

/** --fixed-schedule's "timestamp" or a session turn's "delay": [ms], one number >= 0. */
function msOf(raw: Record<string, unknown>, key: string, where: string): number | undefined {
  const v = scalarOf(raw, key);
  if (v === undefined) return undefined;
  if (typeof v !== "number" || !Number.isFinite(v) || v < 0) {
    throw new RunError(`${where}: "${key}" must be [<ms>], one number >= 0, got ${show(raw[key])}`);
  }
  return v;
}

/**
 * --session-concurrency's keys: "session_id": ["<id>"] and "delay": [<ms>]. A model input of
 * the same name keeps its name: the key is then that tensor, not a session key.
 */
function sessionOf(
  raw: Record<string, unknown>,
  model: ModelInfo,
  where: string,
): { sessionId?: string; delayMs?: number } {
  const isInput = (name: string) => model.inputs.some((t) => t.name === name);
  const out: { sessionId?: string; delayMs?: number } = {};
  const id = isInput("session_id") ? undefined : scalarOf(raw, "session_id");
  if (id !== undefined) {
    if (typeof id !== "string" || id === "") {
      throw new RunError(
        `${where}: "session_id" must be ["<id>"], one non-empty string, got ${
          show(raw.session_id)
        }`,
      );
    }
    out.sessionId = id;
  }
  const delayMs = isInput("delay") ? undefined : msOf(raw, "delay", where);
  if (delayMs !== undefined) out.delayMs = delayMs;
  return out;
}

/** validation_data must have data's layout: as many streams, each as many steps. */
function checkAligned(data: Layout, validation: Layout, path: string): void {
  let detail: string | undefined;
  const [d, v] = [data.streams, validation.streams];
  if (data.flat !== validation.flat) {
    detail = `'data' is ${data.flat ? "a flat list" : "a list of streams"}, 'validation_data' ` +
      `${validation.flat ? "a flat list" : "a list of streams"}`;
  } else if (d.length !== v.length) {
    detail = `'data' has ${d.length} streams, 'validation_data' ${v.length}`;
  } else {
    const s = d.findIndex((steps, i) => steps.length !== v[i].length);
    if (s >= 0) {
      const what = data.flat ? "" : `stream ${s}: `;
      detail = `${what}'data' has ${d[s].length} entries, 'validation_data' ${v[s].length}`;
    }
  }
  if (detail !== undefined) {
    throw new RunError(
      `${path}: The 'validation_data' field doesn't align with 'data' field in the json file ` +
        `(${detail})`,
    );
  }
}

/** Parses the text of one JSON data file (read from `path`) into streams of encoded steps. */
export function parseJsonData(
  text: string,
  path: string,
  model: ModelInfo,
  shapes: Map<string, number[]>,
): DataSet {
  const doc = parseJsonText(text, path);
  if (!isObject(doc) || !("data" in doc)) {
    throw new RunError(`${path}: expected a JSON object with a 'data' list, got ${show(doc)}`);
  }
  const data = layoutOf(doc.data, path, "data");
  const streams = data.streams.map((steps, s) =>
    steps.map((raw, k): DataStep => {
      const where = placeOf(path, "data", data.flat, s, k);
      const inputs = tensorsOf(raw, model, "input", shapes, where);
      checkInputs(inputs, model, path, s, k);
      const fields = raw as Record<string, unknown>;
      const timestampMs = msOf(fields, "timestamp", where);
      return {
        inputs,
        expected: new Map(),
        ...(timestampMs === undefined ? {} : { timestampMs }),
        ...sessionOf(fields, model, where),
      };
    })
  );
  let validation = false;
  if ("validation_data" in doc) {
    const expected = layoutOf(doc.validation_data, path, "validation_data");
    checkAligned(data, expected, path);
    expected.streams.forEach((steps, s) =>
      steps.forEach((raw, k) => {
        const where = placeOf(path, "validation_data", expected.flat, s, k);
        const outputs = tensorsOf(raw, model, "output", new Map(), where);
        streams[s][k].expected = outputs;
        validation ||= outputs.size > 0;
      })
    );
  }
  return { streams, validation };
}
