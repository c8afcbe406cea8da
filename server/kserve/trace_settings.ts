/**
 * Triton's trace extension (docs/protocols.md §1.16): global trace settings, per-model
 * overrides, and every accepted update in arrival order, the ground truth tests compare
 * clients against. HTTP (`/v2[/models/{m}]/trace/setting`) and gRPC (`TraceSetting`) share
 * one store. Values are kept in gRPC's form, a list of strings per setting; over HTTP
 * trace_level is a JSON list and every other setting one string.
 */
import { invalidArg, unknownModel } from "./http_error.ts";

/** Settings by name, each a list of strings (only trace_level holds more than one). */
export type TraceValues = Record<string, string[]>;

/** One accepted update: the model ("" = the global settings) and what it set (null = cleared). */
export interface TraceUpdate {
  model: string;
  settings: Record<string, string[] | null>;
}

/** Settings in Triton's JSON shape: trace_level a list, the rest strings. */
export type TraceJson = Record<string, string | string[]>;

/** tritonserver's defaults when started without --trace-config. */
const DEFAULTS: Readonly<TraceValues> = {
  trace_file: [""],
  trace_level: ["OFF"],
  trace_rate: ["1000"],
  trace_count: ["-1"],
  log_frequency: ["0"],
};

const LEVELS = ["OFF", "TIMESTAMPS", "TENSORS"];
const UNSIGNED = /^[0-9]+$/;

/** Each setting's check of its value list; undefined = the setting is valid. */
const RULES: Record<string, (v: string[]) => string | undefined> = {
  trace_file: (v) => v.length === 1 ? undefined : "must be one string",
  trace_level: (v) =>
    v.length > 0 && v.every((x) => LEVELS.includes(x))
      ? undefined
      : `must list one or more of ${LEVELS.join(", ")}`,
  trace_rate: (v) => v.length === 1 && UNSIGNED.test(v[0]) ? undefined : "must be an integer >= 0",
  trace_count: (v) =>
    v.length === 1 && (UNSIGNED.test(v[0]) || v[0] === "-1")
      ? undefined
      : "must be an integer >= 0, or -1 for no limit",
  log_frequency: (v) =>
    v.length === 1 && UNSIGNED.test(v[0]) ? undefined : "must be an integer >= 0",
};

export class TraceSettingsStore {
  readonly #global: TraceValues = structuredClone(DEFAULTS) as TraceValues;
  readonly #models = new Map<string, TraceValues>();
  readonly #updates: TraceUpdate[] = [];

  /** `exists(model)` says whether a model is served; settings of others are refused. */
  constructor(private readonly exists: (model: string) => boolean) {}

  /** The settings that apply to `model` ("" = the global ones). */
  read(model: string): TraceValues {
    this.#check(model);
    return { ...this.#global, ...this.#models.get(model) };
  }

  /**
   * Sets (or, with null, clears: back to the global value for a model, to the default
   * globally) the named settings, all or none; answers the settings that now apply.
   */
  update(model: string, settings: Record<string, string[] | null>): TraceValues {
    this.#check(model);
    for (const [key, value] of Object.entries(settings)) {
      const rule = RULES[key];
      if (rule === undefined) throw invalidArg(`unknown trace setting '${key}'`);
      const problem = value === null ? undefined : rule(value);
      if (problem !== undefined) throw invalidArg(`trace setting '${key}' ${problem}`);
    }
    let target = this.#global;
    if (model !== "") {
      target = this.#models.get(model) ?? {};
      this.#models.set(model, target);
    }
    for (const [key, value] of Object.entries(settings)) {
      if (value !== null) target[key] = [...value];
      else if (model === "") target[key] = [...DEFAULTS[key]];
      else delete target[key];
    }
    this.#updates.push({ model, settings: structuredClone(settings) });
    return this.read(model);
  }

  /** Every accepted update so far, oldest first. */
  updates(): TraceUpdate[] {
    return structuredClone(this.#updates);
  }

  #check(model: string): void {
    if (model !== "" && !this.exists(model)) throw unknownModel(model, "");
  }
}

/** Settings in Triton's JSON shape. */
export function traceJson(values: TraceValues): TraceJson {
  return Object.fromEntries(
    Object.entries(values).map(([k, v]) => [k, k === "trace_level" ? [...v] : v[0]]),
  );
}

/**
 * An HTTP update body: trace_level a list of strings, every other setting a string, any of
 * them null to clear it.
 */
export function parseTraceBody(text: string): Record<string, string[] | null> {
  let body: unknown;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    throw invalidArg("failed to parse the request JSON buffer");
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidArg("the trace settings must be a JSON object");
  }
  const out: Record<string, string[] | null> = {};
  for (const [key, v] of Object.entries(body)) {
    if (v === null) out[key] = null;
    else if (key === "trace_level" && Array.isArray(v) && v.every((x) => typeof x === "string")) {
      out[key] = v;
    } else if (key !== "trace_level" && typeof v === "string") out[key] = [v];
    else {
      throw invalidArg(
        `expected ${key === "trace_level" ? "a list of strings" : "a string"} for '${key}'`,
      );
    }
  }
  return out;
}
