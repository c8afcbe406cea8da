/**
 * The --help table: every option this build implements, grouped, with its value form, default
 * and meaning. Kept apart from the rendering so the text can be read as data.
 */
import type { SupportedId } from "./spec.ts";
import { OPEN_LOOP_HELP } from "./help_open_loop.ts";
import { OUTPUT_HELP } from "./help_output.ts";
import { DATA_HELP, REPORT_HELP, SEQUENCE_HELP } from "./help_data.ts";
import { TLS_HELP } from "./help_tls.ts";
import { SESSION_HELP } from "./sessions.ts";
import { DISTRIBUTED_HELP } from "./distributed.ts";
import { REQUEST_PARAMETER_HELP } from "./request_parameters.ts";
import { BLS_HELP } from "./bls.ts";
import { PERIODIC_HELP } from "./periodic.ts";
import { MPI_HELP } from "./mpi.ts";

export interface HelpEntry {
  id: SupportedId;
  /** Flag spellings and value form, e.g. "-p, --measurement-interval <ms>". */
  flags: string;
  /** Default shown in brackets; "" when there is none worth showing. */
  def: string;
  text: string;
  /** Not a perf_analyzer option: an addition of this tool, marked "(ours)" in --help. */
  ours?: true;
}

export type HelpGroup =
  | "General"
  | "Measurement"
  | "Load"
  | "Open-loop load"
  | "Input data"
  | "Sequences"
  | "Protocol"
  | "Output"
  | "Distributed runs";

export const HELP: Readonly<Record<HelpGroup, readonly HelpEntry[]>> = {
  "General": [
    {
      id: "model",
      flags: "-m <model name>",
      def: "",
      text: "Model to profile (required, except by a service kind that calls no model).",
    },
    { id: "model-version", flags: "-x <version>", def: "latest", text: "Model version." },
    BLS_HELP,
    {
      id: "service-kind",
      flags: "--service-kind <kind>",
      def: "the first kind below",
      text: "Which server to speak to: a built-in kind or plugin:<module path or URL> (see " +
        "Service kinds below).",
    },
    { id: "verbose", flags: "-v", def: "off", text: "Verbose output; -v -v for extra verbose." },
    { id: "version", flags: "--version", def: "", text: "Print the version and exit." },
    {
      id: "help",
      flags: "-h, --help",
      ours: true,
      def: "",
      text: "Print this help and exit (perf_analyzer itself rejects -h/--help).",
    },
    MPI_HELP,
  ],
  "Measurement": [
    {
      id: "measurement-mode",
      flags: "--measurement-mode <mode>",
      def: "time_windows",
      text: "time_windows (each window lasts -p ms) or count_windows (each window " +
        "collects --measurement-request-count requests).",
    },
    {
      id: "measurement-interval",
      flags: "-p, --measurement-interval <ms>",
      def: "5000",
      text: "Window length in ms for time_windows (> 0).",
    },
    {
      id: "measurement-request-count",
      flags: "--measurement-request-count <n>",
      def: "50",
      text: "Minimum requests per window for count_windows (> 0).",
    },
    {
      id: "stability-percentage",
      flags: "-s, --stability-percentage <pct>",
      def: "10",
      text: "Allowed spread (%) of throughput and latency over the last 3 windows (>= 0).",
    },
    {
      id: "max-trials",
      flags: "-r, --max-trials <n>",
      def: "10",
      text: "Most windows measured per load level before giving up (> 0).",
    },
    {
      id: "stop-rule",
      flags: "--stop-rule <windows|confidence>",
      ours: true,
      def: "windows",
      text: "windows: perf_analyzer's rule, the last 3 windows agree within -s. confidence: " +
        "keep every window of the level until the 99 % confidence interval of the latency " +
        "(average, or --percentile) is within ± -s of it (MLPerf LoadGen's idea); the interval " +
        "is reported.",
    },
    {
      id: "percentile",
      flags: "--percentile <p>",
      def: "-1 = average",
      text: "Use the p-th latency percentile (1..99) for stability, threshold and summary.",
    },
    {
      id: "latency-threshold",
      flags: "-l, --latency-threshold <ms>",
      def: "0 = no limit",
      text: "Stop the sweep once the latency reaches this many ms.",
    },
    {
      id: "binary-search",
      flags: "--binary-search",
      def: "off = linear",
      text: "Binary search over the concurrency range; needs start, end (not 0) and -l.",
    },
    {
      id: "request-count",
      flags: "--request-count <n>",
      def: "0 = off",
      text: "Send exactly n requests in one window, no stability check; single load value only.",
    },
    {
      id: "warmup-request-count",
      flags: "--warmup-request-count <n>",
      def: "0",
      text: "Requests sent and discarded before measuring; single load value only.",
    },
    {
      id: "request-timeout",
      flags: "--request-timeout <ms>",
      ours: true,
      def: "0 = none",
      text: "Give up on a request after this long; it counts as a failed request (timeout). " +
        "Control calls (metadata, config, statistics) time " +
        "out after max(30 s, this).",
    },
    {
      id: "max-error-rate",
      flags: "--max-error-rate <pct>",
      ours: true,
      def: "no limit",
      text: "Failed requests are counted and reported, never fatal on their own; a window with " +
        "more than this share failed ends the sweep with exit 99 (perf_analyzer exits 99 on " +
        "the first failure).",
    },
  ],
  "Load": [
    {
      id: "concurrency-range",
      flags: "--concurrency-range <start:end:step>",
      def: "1:1:1",
      text: "Requests kept in flight; one value = one level; end 0 = grow until -l is reached.",
    },
    {
      id: "max-threads",
      flags: "--max-threads <n>",
      def: "max(16,end)",
      text:
        "perf_analyzer's worker-thread cap (> 0). Concurrency mode keeps exactly N requests in " +
        "flight either way (one event loop, one connection per request), so it does not change " +
        "the load; accepted for compatibility, with a warning.",
    },
    {
      id: "async",
      flags: "-a, --async",
      def: "off",
      text: "Async mode: as in perf_analyzer, a level whose latency does not settle is accepted " +
        "when its throughput is stable (with a warning). The load itself is the same.",
    },
    {
      id: "sync",
      flags: "--sync",
      def: "",
      text: "Force synchronous requests (not with --async).",
    },
    ...PERIODIC_HELP,
    {
      id: "deprecated-start",
      flags: "-t <n>",
      def: "1",
      text: "Deprecated: concurrency start (use --concurrency-range).",
    },
    {
      id: "deprecated-end",
      flags: "-c <n>",
      def: "",
      text: "Deprecated: concurrency end, 0 = no limit (use --concurrency-range).",
    },
    {
      id: "deprecated-dynamic",
      flags: "-d",
      def: "off",
      text: "Deprecated: sweep up to -c, or without -c until -l is reached.",
    },
    ...SESSION_HELP,
  ],
  "Open-loop load": OPEN_LOOP_HELP,
  "Input data": DATA_HELP,
  "Sequences": SEQUENCE_HELP,
  "Protocol": [
    {
      id: "url",
      flags: "-u <host:port>",
      def: "the service kind's, per protocol",
      text: "Server address; HTTP: https://host[:port] means TLS (verified by default). " +
        "Each service kind below lists its defaults.",
    },
    {
      id: "protocol",
      flags: "-i <http|grpc>",
      def: "http",
      text: "Protocol, as the service kind speaks it (see Service kinds below).",
    },
    {
      id: "header",
      flags: "-H <Name:Value>",
      def: "",
      text: "Extra HTTP header, repeatable; sent as metadata over gRPC (perf_analyzer drops " +
        "them there).",
    },
    {
      id: "streaming",
      flags: "--streaming",
      def: "off",
      text: "One stream per concurrency slot (implies --async), where the service kind has " +
        "one; required for models that send several responses per request, each counted.",
    },
    {
      id: "grpc-compression-algorithm",
      flags: "--grpc-compression-algorithm <alg>",
      def: "none",
      text: "gRPC only: compress requests with none, gzip or deflate.",
    },
    REQUEST_PARAMETER_HELP,
    ...TLS_HELP,
  ],
  "Output": [
    {
      id: "csv-file",
      flags: "-f <file>",
      def: "none",
      text: "Write the CSV report to this file." +
        ' With token metrics, also "<file stem>_genai_perf.csv" next to it.',
    },
    { id: "verbose-csv", flags: "--verbose-csv", def: "off", text: "Extra columns in the CSV." },
    ...OUTPUT_HELP,
    ...REPORT_HELP,
    {
      id: "no-progress",
      flags: "--no-progress",
      ours: true,
      def: "shown on a terminal",
      text: "Hide the live progress line (window, infer/sec, p50/p99, errors, elapsed) that is " +
        "drawn on stderr while a level runs. It is never drawn when stderr is not a terminal.",
    },
    {
      id: "threshold",
      flags: "--threshold <gate>",
      ours: true,
      def: "none",
      text:
        "A pass/fail gate for CI, repeatable: p99<5ms, avg<=800us (avg or p50, p90, p95, p99, " +
        "p99.9, ... with ns, us, ms or s), throughput>=2000 (infer/sec), error_rate<1% (failed " +
        "share of requests). Every level must meet every gate; the report lists each with its " +
        "measured value, and a failed gate makes the exit code 4.",
    },
    {
      id: "quiet",
      flags: "--quiet",
      ours: true,
      def: "off",
      text: "Print no report and no progress: only warnings, errors and the files asked for " +
        "(with --report-json - the summary alone on stdout). The exit code still says how " +
        "the run went.",
    },
  ],
  "Distributed runs": DISTRIBUTED_HELP,
};
