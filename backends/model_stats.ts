/**
 * Parses the statistics extension's JSON (protocols.md §1.10), or a gRPC ModelStatistics reply
 * decoded with proto field names (§2.7, same keys), into the core's ModelStats.
 */
import type { ModelStats } from "../core/backend.ts";
import { RunError } from "../core/errors.ts";
import { asArray, asObject, asString, intOrZero, type JsonObject } from "./json_fields.ts";

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

function addEntry(s: ModelStats, e: JsonObject): void {
  const inf = asObject(e.inference_stats) ?? {};
  const pair = (key: string): [number, number] => {
    const d = asObject(inf[key]);
    return [intOrZero(d?.count), intOrZero(d?.ns)];
  };
  s.inferenceCount += intOrZero(e.inference_count);
  s.executionCount += intOrZero(e.execution_count);
  let p = pair("success");
  s.successCount += p[0];
  s.successNs += p[1];
  p = pair("queue");
  s.queueCount += p[0];
  s.queueNs += p[1];
  p = pair("compute_input");
  s.computeInputCount += p[0];
  s.computeInputNs += p[1];
  p = pair("compute_infer");
  s.computeInferCount += p[0];
  s.computeInferNs += p[1];
  p = pair("compute_output");
  s.computeOutputCount += p[0];
  s.computeOutputNs += p[1];
  p = pair("cache_hit");
  s.cacheHitCount += p[0];
  s.cacheHitNs += p[1];
  p = pair("cache_miss");
  s.cacheMissCount += p[0];
  s.cacheMissNs += p[1];
}
