/**
 * Reads a --report-json file back. `compare` gates CI on these, so a file that is not ours, of
 * another version, or damaged is refused with a message naming the file and the problem
 * instead of being compared as zeros.
 */
import { type LevelSummary, type RunSummary, SUMMARY_FORMAT, SUMMARY_VERSION } from "./json.ts";

function fail(source: string, what: string): never {
  throw new SyntaxError(`Cannot read run summary "${source}": ${what}`);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function checkNumber(source: string, where: string, v: unknown): void {
  if (typeof v !== "number" || !Number.isFinite(v)) {
    fail(source, `${where} must be a number, got ${JSON.stringify(v) ?? "nothing"}`);
  }
}

function checkLevel(source: string, v: unknown, i: number): LevelSummary {
  const where = `levels[${i}]`;
  if (!isRecord(v)) fail(source, `${where} is not an object`);
  if (v.mode !== "concurrency" && v.mode !== "request_rate") {
    fail(source, `${where}.mode must be "concurrency" or "request_rate"`);
  }
  for (const key of ["value", "throughput", "requestCount", "errorCount"]) {
    checkNumber(source, `${where}.${key}`, v[key]);
  }
  const lat = v.latencyUs;
  if (!isRecord(lat)) fail(source, `${where}.latencyUs is not an object`);
  for (const [key, value] of Object.entries(lat)) {
    if (value !== null) checkNumber(source, `${where}.latencyUs.${key}`, value);
  }
  checkNumber(source, `${where}.latencyUs.avg`, lat.avg);
  return v as unknown as LevelSummary;
}

/** Parses and checks a run summary; `source` (the file name) goes into every error. */
export function parseRunSummary(text: string, source: string): RunSummary {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    fail(source, `not JSON (${(e as Error).message})`);
  }
  if (!isRecord(doc) || doc.format !== SUMMARY_FORMAT) {
    fail(
      source,
      `not a run summary (no "format": "${SUMMARY_FORMAT}"; write one with --report-json)`,
    );
  }
  if (doc.version !== SUMMARY_VERSION) {
    fail(
      source,
      `version ${JSON.stringify(doc.version)} is not supported (this build reads version ` +
        `${SUMMARY_VERSION})`,
    );
  }
  if (!isRecord(doc.settings)) fail(source, `"settings" is not an object`);
  if (!Array.isArray(doc.levels)) fail(source, `"levels" is not an array`);
  doc.levels.forEach((l, i) => checkLevel(source, l, i));
  return doc as unknown as RunSummary;
}
