/**
 * Where and how a run was made, for the run summary's settings and the HTML report's header:
 * a report read weeks later, or next to another machine's, must say what produced it.
 */
import { cpus } from "node:os";
import type { RunInfo } from "./format.ts";
import { buildCommit } from "../version.ts";

/** Characters a POSIX shell takes literally; any other makes the word need quotes. */
const PLAIN_WORD = /^[\w@%+=:,./-]+$/;

/** The command as it could be typed again: words with spaces or quotes are single-quoted. */
export function commandLineText(argv: string[]): string {
  const quote = (w: string) => PLAIN_WORD.test(w) ? w : `'${w.replaceAll("'", `'\\''`)}'`;
  return ["perf_analyzer", ...argv].map(quote).join(" ");
}

/** "model × count"; the model is "unknown CPU" where the system does not say. */
export function cpuText(model: string | undefined, count: number): string {
  return `${model?.trim() || "unknown CPU"} × ${count}`;
}

/** Reads the host facts; each falls back to "unknown" where the permission or the OS says no. */
export function runInfo(argv: string[]): RunInfo {
  let host = "unknown";
  try {
    host = Deno.hostname();
  } catch {
    // No --allow-sys=hostname: the report says "unknown" rather than failing the run.
  }
  let cpu = cpuText(undefined, navigator.hardwareConcurrency);
  try {
    const list = cpus();
    if (list.length > 0) cpu = cpuText(list[0].model, list.length);
  } catch {
    // No --allow-sys=cpus: the count alone.
  }
  return { commandLine: commandLineText(argv), host, cpu, commit: buildCommit(true) };
}
