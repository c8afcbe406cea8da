/**
 * Periodic concurrency (docs/perf_analyzer.md §2.10): --periodic-concurrency-range
 * start:end:step and --request-period n, with perf_analyzer's rules for them (§1.3) and the
 * options that cannot go with a run that has no windows, no levels and no stability check.
 */
import type { Range, RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import type { HelpEntry } from "./help_table.ts";
import { UsageError } from "../errors.ts";
import { parseIntegerWhere, valueError } from "./values.ts";

const LABEL = "--periodic-concurrency-range";

/** perf_analyzer's --request-period default. */
export const DEFAULT_REQUEST_PERIOD = 10;

/** Parses `start:end[:step]`: both ends required, step 1 when left out, step divides end − start. */
export function parsePeriodicRange(value: string): Range {
  const parts = value.split(":");
  if (parts.length < 2) {
    throw valueError(LABEL, "Both <start> and <end> values must be provided.", value);
  }
  if (parts.length > 3) {
    throw valueError(LABEL, "The value does not match <start:end:step>.", value);
  }
  const numbers = parts.map((part) => {
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(Number(part))) {
      const rule =
        `The value does not match <start:end:step>: "${part}" is not a non-negative integer.`;
      throw valueError(LABEL, rule, value);
    }
    return Number(part);
  });
  const [start, end] = numbers;
  const step = numbers[2] ?? 1;
  if (start < 1) throw valueError(LABEL, "The <start> value must be > 0.", value);
  if (step < 1) throw valueError(LABEL, "The <step> value must be > 0.", value);
  if (start > end) throw valueError(LABEL, "The <start> must be <= <end>.", value);
  if ((end - start) % step !== 0) {
    throw valueError(
      LABEL,
      "The <step> value must be a factor of the range size (<end> - <start>).",
      value,
    );
  }
  return { start, end, step };
}

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const PERIODIC_HANDLERS = {
  "periodic-concurrency-range": (c, _s, v) => {
    c.periodic = parsePeriodicRange(v);
    c.loadMode = "periodic_concurrency";
  },
  "request-period": (c, s, v) => {
    const rule = "The value must be > 0.";
    c.requestPeriod = parseIntegerWhere("--request-period", v, (n) => n > 0, rule);
    s.requestPeriodSet = true;
  },
} satisfies Record<string, Handler>;

/**
 * What the mode cannot be combined with: each request of the run is sent once, in one window
 * that ends when the last request completes, and the report is the profile export plus a console
 * summary, not levels, CSV or run summaries.
 */
function refused(config: RunConfig): string | undefined {
  if (config.requestCount > 0) return "--request-count (the run sends exactly <end> requests)";
  if (config.warmupRequestCount > 0) return "--warmup-request-count";
  if (config.binarySearch) return "--binary-search";
  if (config.latencyThresholdMs > 0) return "-l (--latency-threshold)";
  if (config.csvFile !== undefined) return "-f (there is no load level to write a row for)";
  if (config.reportJsonFile !== undefined) return "--report-json";
  if (config.reportHtmlFile !== undefined) return "--report-html";
  return undefined;
}

/**
 * perf_analyzer's rules for the mode, then ours: one window of exactly `end` requests (as
 * --request-count runs one). Runs after the load-mode conflicts were checked during the scan.
 */
export function finishPeriodic(config: RunConfig, state: ParseState): void {
  if (config.loadMode !== "periodic_concurrency") {
    if (state.requestPeriodSet) {
      throw new UsageError("--request-period only applies to --periodic-concurrency-range.");
    }
    return;
  }
  if (!config.streaming) {
    throw new UsageError(
      "The --periodic-concurrency-range option requires --streaming: it counts the responses " +
        "of each request (a decoupled model's gRPC stream, or an LLM's Server-Sent Events).",
    );
  }
  if (config.profileExportFile === undefined) {
    throw new UsageError(
      "Must provide --profile-export-file when using the --periodic-concurrency-range option.",
    );
  }
  const bad = refused(config);
  if (bad !== undefined) {
    throw new UsageError(`--periodic-concurrency-range cannot be combined with ${bad}.`);
  }
  if (state.maxThreadsSet) {
    state.warnings.push(
      "--max-threads has no effect with --periodic-concurrency-range: every request of the " +
        "range gets its own stream.",
    );
  }
  config.requestCount = config.periodic.end;
}

export const PERIODIC_HELP: readonly HelpEntry[] = [
  {
    id: "periodic-concurrency-range",
    flags: "--periodic-concurrency-range <start:end:step>",
    def: "off",
    text: "Start <start> requests, each sent once on its own stream; each time every request " +
      "of the latest batch has received --request-period responses, start <step> more, until " +
      "<end> have started; the run ends when all <end> are complete. Needs --streaming (a " +
      "decoupled model's gRPC stream, or an LLM's Server-Sent Events, every event a response) and " +
      "--profile-export-file, which gets every request (as concurrency 1, like perf_analyzer); " +
      "the console gets a summary of the whole run. Both ends required; step must divide " +
      "end - start.",
  },
  {
    id: "request-period",
    flags: "--request-period <n>",
    def: String(DEFAULT_REQUEST_PERIOD),
    text: "Responses every request of a batch must receive before the next batch starts (> 0). " +
      "A request that completes with fewer is an error, as in perf_analyzer; one that fails " +
      "counts as done.",
  },
];
