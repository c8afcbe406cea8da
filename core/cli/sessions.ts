/**
 * --session-concurrency: multi-turn sessions from the input data, N played at once
 * (docs/perf_analyzer.md §2.10). The flag, its --help row and its cross-option rules; the
 * checks that need the data (every entry has a "session_id", enough sessions) run in
 * run_data.ts, and whether the service kind can play sessions in kind.ts.
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import type { HelpEntry } from "./help_table.ts";
import { UsageError } from "../errors.ts";
import { parseIntegerWhere } from "./values.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const SESSION_HANDLERS = {
  "session-concurrency": (c, _s, v) => {
    const n = parseIntegerWhere("--session-concurrency", v, (n) => n > 0, "The value must be > 0.");
    c.sessionConcurrency = n;
    c.loadMode = "session_concurrency";
  },
} satisfies Record<string, Handler>;

export const SESSION_HELP: readonly HelpEntry[] = [
  {
    id: "session-concurrency",
    flags: "--session-concurrency <n>",
    def: "off",
    text: 'Play the multi-turn sessions of --input-data (entries grouped by "session_id", in ' +
      "file order), n at a time: each turn is sent after the previous reply and its " +
      '"delay" (ms), with the history so far (earlier turns and the replies the server gave). ' +
      "The whole run is reported as one level, labelled concurrency n (at most n requests in " +
      "flight); the profile export names it request_rate 0, as perf_analyzer does. A failed " +
      "turn ends its session.",
  },
];

/** Options that shape a sweep or a schedule, which one run of every session does not have. */
function refused(config: RunConfig, state: ParseState): string | undefined {
  if (config.requestCount > 0) return "--request-count";
  if (config.warmupRequestCount > 0) return "--warmup-request-count";
  if (config.binarySearch) return "--binary-search";
  if (config.latencyThresholdMs > 0) return "-l (--latency-threshold)";
  if (config.batchSize > 1) return "-b greater than 1";
  return state.openLoopOnly[0];
}

/** Cross-option rules of --session-concurrency; runs after every option was applied. */
export function finishSessions(config: RunConfig, state: ParseState): void {
  if (config.inputData !== "files") {
    throw new UsageError(
      '--session-concurrency plays the entries of --input-data JSON files grouped by "session_id"; ' +
        "give --input-data <file.json>.",
    );
  }
  const flag = refused(config, state);
  if (flag !== undefined) {
    throw new UsageError(
      `${flag} does not apply to --session-concurrency: every turn of every session is sent ` +
        "once, one turn per request.",
    );
  }
  const n = config.sessionConcurrency;
  config.concurrency = { start: n, end: n, step: 1 };
}
