/**
 * The search over load values (docs/perf_analyzer.md §2.4): linear from start by step until end (or
 * forever when end is 0) while each level is stable and under the latency limit, or a binary
 * search between start and end using step as the precision.
 */
import type { Range } from "../cli/config.ts";
import { ExitCode } from "../errors.ts";
import type { LevelResult } from "./results.ts";

export interface SweepHooks {
  /** Measures one level (already announced to nobody: the caller prints). */
  measure(value: number): Promise<LevelResult>;
  /** A level that passed: print its block now. */
  reported(level: LevelResult): void;
  /** A level that did not pass: explain on stderr. */
  rejected(level: LevelResult): void;
  /** True once the user interrupted: no further level starts. */
  stopped(): boolean;
}

export interface SweepResult {
  levels: LevelResult[];
  exitCode: ExitCode;
}

function passed(level: LevelResult): boolean {
  return level.status === "stable";
}

/** Measures one level: "pass", "fail", or "abort" when errors exceeded --max-error-rate. */
async function visit(
  value: number,
  hooks: SweepHooks,
  levels: LevelResult[],
): Promise<"pass" | "fail" | "abort"> {
  const level = await hooks.measure(value);
  if (passed(level)) {
    levels.push(level);
    hooks.reported(level);
    return "pass";
  }
  hooks.rejected(level);
  return level.status === "too_many_errors" ? "abort" : "fail";
}

/** Levels a linear sweep visits when every one is stable; undefined when it has no end. */
export function linearLevelCount(range: Range): number | undefined {
  if (range.end === 0 || !(range.step > 0)) return undefined;
  // The same relative tolerance at the end as the sweep itself.
  return Math.max(0, Math.floor((range.end * (1 + 1e-9) - range.start) / range.step) + 1);
}

export async function linearSweep(range: Range, hooks: SweepHooks): Promise<SweepResult> {
  const levels: LevelResult[] = [];
  // start + i × step, not repeated addition, and a relative tolerance at the end: decimal rate
  // steps must reach the end the user wrote (0.1 + 2 × 0.1 is 0.30000000000000004).
  const last = range.end * (1 + 1e-9);
  for (
    let i = 0, v = range.start;
    range.end === 0 || v <= last;
    v = range.start + ++i * range.step
  ) {
    const level = await hooks.measure(v);
    if (!passed(level)) {
      hooks.rejected(level);
      if (level.status === "too_many_errors") return { levels, exitCode: ExitCode.Generic };
      // Only an unstable *first* level is an error; later ones just end the sweep.
      const firstUnstable = levels.length === 0 && level.status === "unstable";
      return { levels, exitCode: firstUnstable ? ExitCode.Unstable : ExitCode.Success };
    }
    levels.push(level);
    hooks.reported(level);
    if (hooks.stopped()) break;
  }
  return { levels, exitCode: ExitCode.Success };
}

/** `integral`: concurrencies halve with integer division, rates do not. */
export async function binarySweep(
  range: Range,
  hooks: SweepHooks,
  integral = true,
): Promise<SweepResult> {
  const levels: LevelResult[] = [];
  const done = { levels, exitCode: ExitCode.Success };
  const aborted = { levels, exitCode: ExitCode.Generic };
  let low = range.start;
  let high = range.end;
  const first = await visit(low, hooks, levels);
  if (first === "abort") return aborted;
  if (first === "fail" || hooks.stopped()) return done;
  const top = await visit(high, hooks, levels);
  if (top === "abort") return aborted;
  if (top === "pass" || hooks.stopped()) return done;
  while (high - low > range.step && !hooks.stopped()) {
    const mid = integral ? Math.floor((low + high) / 2) : (low + high) / 2;
    const outcome = await visit(mid, hooks, levels);
    if (outcome === "abort") return aborted;
    if (outcome === "pass") low = mid;
    else high = mid;
  }
  return done;
}
