/**
 * The open-loop options: perf_analyzer's request-rate and request-intervals modes, plus this
 * tool's own controls over how intended send times are kept and measured.
 */
import type { RunConfig } from "./config.ts";
import { UsageError } from "../errors.ts";
import type { ParseState } from "./apply.ts";
import { parseChoice, parseIntegerWhere, parseRateRange, valueError } from "./values.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const OPEN_LOOP_HANDLERS = {
  "request-rate-range": (c, s, v) => {
    const { start, end, step, parts } = parseRateRange(v);
    c.requestRate = { start, end, step };
    c.loadMode = "request_rate";
    s.rangeParts = parts;
  },
  "request-distribution": (c, s, v) => {
    c.requestDistribution = parseChoice("--request-distribution", v, ["constant", "poisson"]);
    s.openLoopOnly.push("--request-distribution");
  },
  "request-intervals": (c, _s, v) => {
    if (v === "") throw valueError("--request-intervals", "The file name is empty.", v);
    c.requestIntervalsFile = v;
    c.loadMode = "request_intervals";
  },
  "fixed-schedule": (c) => {
    c.loadMode = "fixed_schedule";
  },
  "latency-from": (c, s, v) => {
    c.latencyFrom = parseChoice("--latency-from", v, ["intended", "actual"]);
    s.openLoopOnly.push("--latency-from");
  },
  "pacing": (c, s, v) => {
    c.pacing = parseChoice("--pacing", v, ["spin", "timer"]);
    s.openLoopOnly.push("--pacing");
  },
  "schedule-seed": (c, s, v) => {
    const ok = (n: number) => n >= 0 && n <= 0xffffffff;
    c.scheduleSeed = parseIntegerWhere(
      "--schedule-seed",
      v,
      ok,
      "The value must be 0..4294967295.",
    );
    s.openLoopOnly.push("--schedule-seed");
  },
  "max-inflight": (c, s, v) => {
    c.maxInflight = parseIntegerWhere("--max-inflight", v, (n) => n > 0, "The value must be > 0.");
    s.openLoopOnly.push("--max-inflight");
  },
  "overload": (c, s, v) => {
    c.overload = parseChoice("--overload", v, ["queue", "drop"]);
    s.openLoopOnly.push("--overload");
  },
} satisfies Record<string, Handler>;

/** perf_analyzer runs request-rate mode on 4 worker threads unless told otherwise. */
const RATE_DEFAULT_MAX_THREADS = 4;

/** Cross-option rules of the open-loop modes; runs after every option was applied. */
export function finishOpenLoop(config: RunConfig, state: ParseState): void {
  if (config.loadMode === "concurrency" || config.loadMode === "periodic_concurrency") {
    if (state.openLoopOnly.length > 0) {
      throw new UsageError(
        `${state.openLoopOnly[0]} only applies to open-loop load ` +
          `(--request-rate-range or --request-intervals).`,
      );
    }
    return;
  }
  const single = config.loadMode === "request_intervals" || config.loadMode === "fixed_schedule";
  const modeFlag = config.loadMode === "fixed_schedule"
    ? "--fixed-schedule"
    : "--request-intervals";
  if (single && state.openLoopOnly.includes("--request-distribution")) {
    throw new UsageError(`--request-distribution does not apply to ${modeFlag}.`);
  }
  if (config.loadMode === "fixed_schedule") finishFixedSchedule(config);
  if (!state.maxThreadsSet) config.maxThreads = RATE_DEFAULT_MAX_THREADS;
  const rate = config.requestRate;
  if (config.loadMode === "request_rate") {
    if (rate.end === 0 && config.latencyThresholdMs === 0) {
      throw new UsageError(
        "The end of the search range and the latency limit can not be both 0 (or 0.0) simultaneously",
      );
    }
    if (
      config.binarySearch &&
      (state.rangeParts < 2 || rate.end === 0 || config.latencyThresholdMs === 0)
    ) {
      throw new UsageError(
        "--binary-search needs an explicit start and end (end != 0) in --request-rate-range " +
          "and a latency threshold (-l).",
      );
    }
    if ((config.requestCount > 0 || config.warmupRequestCount > 0) && rate.start !== rate.end) {
      throw new UsageError(
        "--request-count and --warmup-request-count need a single --request-rate-range value.",
      );
    }
  } else if (config.binarySearch) {
    throw new UsageError(`--binary-search does not apply to ${modeFlag}.`);
  }
}

/**
 * perf_analyzer's --fixed-schedule rules (docs/perf_analyzer.md §1.3), as usage errors rather than
 * aborts.
 */
function finishFixedSchedule(config: RunConfig): void {
  if (config.inputData !== "files") {
    throw new UsageError(
      '--fixed-schedule replays the entries of --input-data JSON files at their "timestamp"; ' +
        "give --input-data <file.json>.",
    );
  }
  if (config.requestCount > 0) {
    throw new UsageError(
      "--request-count does not apply to --fixed-schedule: every entry after the warmup ones " +
        "is sent once.",
    );
  }
  if (config.batchSize > 1) {
    throw new UsageError("--fixed-schedule sends one entry per request; -b must be 1.");
  }
}
