/**
 * Parses the statistics extension's JSON (docs/protocols.md §1.10), or a gRPC ModelStatistics
 * reply decoded with proto field names (§2.7, same keys), into the core's ModelStats.
 */
import type { ModelStats, VersionedModelStats } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { asArray, asInt, asObject, asString, type JsonObject } from "./json_fields.ts";

export function emptyModelStats(): ModelStats {
  return {
    inferenceCount: 0,
    executionCount: 0,
    successCount: 0,
    successNs: 0,
    queueCount: 0,
    queueNs: 0,
    computeInputCount: 0,
    computeInputNs: 0,
    computeInferCount: 0,
    computeInferNs: 0,
    computeOutputCount: 0,
    computeOutputNs: 0,
    cacheHitCount: 0,
    cacheHitNs: 0,
    cacheMissCount: 0,
    cacheMissNs: 0,
  };
}

/**
 * Picks the entries for `model` (and `version` when given) from a /stats reply and sums them:
 * without a version the server returns every ready version, and requests may land on any.
 */
export function parseModelStats(body: unknown, model: string, version: string): ModelStats {
  const entries = asArray(asObject(body)?.model_stats).filter((x) => {
    const e = asObject(x);
    return e !== undefined && e.name === model &&
      (version === "" || String(asString(e.version) ?? e.version) === version);
  }) as JsonObject[];
  if (entries.length === 0) {
    const which = version === "" ? `'${model}'` : `'${model}' version ${version}`;
    throw new RunError(`failed to get model statistics: no statistics returned for ${which}`);
  }
  const s = emptyModelStats();
  for (const e of entries) addEntry(s, e);
  return s;
}

/**
 * Every entry of a /stats reply (one per model and version, the form the statistics endpoint
 * gives without a model name), each parsed on its own.
 */
export function parseAllModelStats(body: unknown): VersionedModelStats[] {
  const out: VersionedModelStats[] = [];
  for (const x of asArray(asObject(body)?.model_stats)) {
    const e = asObject(x);
    const name = asString(e?.name);
    if (e === undefined || name === undefined) continue;
    const stats = emptyModelStats();
    addEntry(stats, e);
    out.push({ name, version: String(asString(e.version) ?? e.version ?? ""), stats });
  }
  return out;
}

/** Each `inference_stats` entry (JSON key) and the ModelStats count/ns fields it adds to. */
const DURATIONS: [string, keyof ModelStats, keyof ModelStats][] = [
  ["success", "successCount", "successNs"],
  ["queue", "queueCount", "queueNs"],
  ["compute_input", "computeInputCount", "computeInputNs"],
  ["compute_infer", "computeInferCount", "computeInferNs"],
  ["compute_output", "computeOutputCount", "computeOutputNs"],
  ["cache_hit", "cacheHitCount", "cacheHitNs"],
  ["cache_miss", "cacheMissCount", "cacheMissNs"],
];

function addEntry(s: ModelStats, e: JsonObject): void {
  const inf = asObject(e.inference_stats) ?? {};
  const name = asString(e.name) ?? "?";
  s.inferenceCount += counter(e.inference_count, name, "inference_count");
  s.executionCount += counter(e.execution_count, name, "execution_count");
  for (const [key, count, ns] of DURATIONS) {
    const d = asObject(inf[key]);
    s[count] += counter(d?.count, name, `inference_stats.${key}.count`);
    s[ns] += counter(d?.ns, name, `inference_stats.${key}.ns`);
  }
}

/**
 * One cumulative counter. Absent is 0 (protobuf's JSON printers leave zero fields out), but a
 * value that is there and is not a whole number from 0 to 2^53 - 1 makes the statistics
 * untrustworthy: read as 0 it printed "Request count: 0" with no word of why. The error costs
 * the level its Server block, with a warning that names the field.
 */
function counter(v: unknown, model: string, field: string): number {
  if (v === undefined || v === null) return 0;
  const n = asInt(v);
  if (n === undefined || n < 0 || !Number.isSafeInteger(n)) {
    const shown = JSON.stringify(v)?.slice(0, 40) ?? String(v);
    throw new RunError(
      `failed to get model statistics: ${field} of '${model}' is ${shown}, not a whole number ` +
        "from 0 to 2^53 - 1",
    );
  }
  return n;
}
