/** --help entries of the open-loop options (request rate, intervals, and how sends are timed). */
import type { HelpEntry } from "./help_table.ts";
import { DEFAULT_MAX_INFLIGHT } from "./config.ts";

export const OPEN_LOOP_HELP: readonly HelpEntry[] = [
  {
    id: "request-rate-range",
    flags: "--request-rate-range <start:end:step>",
    def: "off",
    text: "Send at a fixed rate (req/s, decimals allowed) whatever the server does; end 0 = grow " +
      "until -l is reached. Latency counts from the intended send time (see --latency-from).",
  },
  {
    id: "request-distribution",
    flags: "--request-distribution <constant|poisson>",
    def: "constant",
    text: "Gaps between sends: equal, or exponential (a Poisson process, seeded).",
  },
  {
    id: "request-intervals",
    flags: "--request-intervals <file>",
    def: "off",
    text: "Replay the gaps (µs, one per line) in the file, looped.",
  },
  {
    id: "fixed-schedule",
    flags: "--fixed-schedule",
    def: "off",
    text: 'Send each --input-data JSON entry once, at its "timestamp" (ms from the start); ' +
      "--warmup-request-count entries first, as their own schedule.",
  },
  {
    id: "latency-from",
    flags: "--latency-from <intended|actual>",
    ours: true,
    def: "intended",
    text: "Open-loop latency from the time a request was due (honest under backlog, as " +
      "wrk2 and MLPerf LoadGen measure) or from when it actually left (perf_analyzer's number).",
  },
  {
    id: "pacing",
    flags: "--pacing <spin|timer>",
    ours: true,
    def: "spin",
    text: "spin: timer then event-loop polling, µs-precise sends, one busy core; timer: " +
      "timers only, low CPU, sends in ~2 ms bursts (the lateness is reported either way).",
  },
  {
    id: "schedule-seed",
    flags: "--schedule-seed <n>",
    ours: true,
    def: "1",
    text: "Seed of the poisson schedule: the same seed sends at the same offsets.",
  },
  {
    id: "max-inflight",
    flags: "--max-inflight <n>",
    ours: true,
    def: String(DEFAULT_MAX_INFLIGHT),
    text: "Async open-loop cap on requests in flight, and so on HTTP/1.1 connections, opened " +
      "only when none is idle (sync mode caps at --max-threads, default 4, as perf_analyzer " +
      "does). The default leaves room for the control connection (metadata, statistics): " +
      `${DEFAULT_MAX_INFLIGHT + 1} connections to the server in all. Raise it for servers ` +
      "that hold requests long (LLMs).",
  },
  {
    id: "overload",
    flags: "--overload <queue|drop>",
    ours: true,
    def: "queue",
    text: "Open loop at the cap: queue = a due request waits for a free connection and counts " +
      "as late; drop = it is skipped and counted as dropped, so the rest leave on time.",
  },
];
