/**
 * The --help and --version texts. Help lists only what this build implements, grouped, each
 * with its value form, default and meaning; recognized-but-unsupported options get one line.
 */
import { VERSION } from "./version.ts";
import type { SupportedId } from "./cli_spec.ts";
import { UNSUPPORTED_LONG_NAMES } from "./cli_spec.ts";

export interface HelpEntry {
  id: SupportedId;
  /** Flag spellings and value form, e.g. "-p, --measurement-interval <ms>". */
  flags: string;
  /** Default shown in brackets; "" when there is none worth showing. */
  def: string;
  text: string;
}

export type HelpGroup = "General" | "Measurement" | "Load" | "Input data" | "Protocol" | "Output";

export const HELP: Readonly<Record<HelpGroup, readonly HelpEntry[]>> = {
  "General": [
    { id: "model", flags: "-m <model name>", def: "", text: "Model to profile (required)." },
    { id: "model-version", flags: "-x <version>", def: "latest", text: "Model version." },
    {
      id: "service-kind",
      flags: "--service-kind <triton|plugin:<module>>",
      def: "triton",
      text: "Triton/KServe v2 server, or a third-party backend module (file path or URL).",
    },
    { id: "verbose", flags: "-v", def: "off", text: "Verbose output; -v -v for extra verbose." },
    { id: "version", flags: "--version", def: "", text: "Print the version and exit." },
    {
      id: "help",
      flags: "-h, --help",
      def: "",
      text: "Print this help and exit (perf_analyzer itself rejects -h/--help).",
    },
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
  ],
  "Input data": [
    {
      id: "input-data",
      flags: "--input-data <random|zero>",
      def: "random",
      text: "Input values (directory/JSON input data is not supported by this build yet).",
    },
    { id: "zero", flags: "-z", def: "", text: "Deprecated: same as --input-data zero." },
    { id: "batch-size", flags: "-b <n>", def: "1", text: "Batch size (> 0)." },
    {
      id: "shape",
      flags: "--shape <name:d1,d2,...>",
      def: "",
      text: "Shape of an input with variable dimensions (dims > 0); repeatable.",
    },
    {
      id: "string-length",
      flags: "--string-length <n>",
      def: "128",
      text: "Length of random strings for BYTES inputs (> 0).",
    },
    {
      id: "string-data",
      flags: "--string-data <string>",
      def: "random",
      text: "Fill every BYTES element with this string.",
    },
    {
      id: "input-tensor-format",
      flags: "--input-tensor-format <binary|json>",
      def: "binary",
      text: "Encoding of request tensors.",
    },
    {
      id: "output-tensor-format",
      flags: "--output-tensor-format <binary|json>",
      def: "binary",
      text: "Encoding asked for response tensors.",
    },
  ],
  "Protocol": [
    { id: "url", flags: "-u <host:port>", def: "localhost:8000", text: "Server address." },
    {
      id: "protocol",
      flags: "-i <http>",
      def: "http",
      text: "Protocol (gRPC is not supported by this build yet).",
    },
    { id: "header", flags: "-H <Name:Value>", def: "", text: "Extra HTTP header; repeatable." },
  ],
  "Output": [
    { id: "csv-file", flags: "-f <file>", def: "none", text: "Write the CSV report to this file." },
    { id: "verbose-csv", flags: "--verbose-csv", def: "off", text: "Extra columns in the CSV." },
  ],
};

const WIDTH = 100;
const FLAG_COLUMN = 40;

/** Word-wraps `text` to WIDTH, starting at column `indent` and continuing at the same column. */
function wrap(text: string, indent: number): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else {
      line = line === "" ? word : `${line} ${word}`;
    }
  }
  lines.push(line);
  return lines.join("\n" + " ".repeat(indent));
}

/** Stands in for spaces that must not break a line (inside "[default: ...]"). */
const NO_BREAK = "\u00a0";

function formatEntry(entry: HelpEntry): string {
  const def = `[default: ${entry.def}]`.replaceAll(" ", NO_BREAK);
  const text = entry.def === "" ? entry.text : `${entry.text} ${def}`;
  const flags = `  ${entry.flags}`;
  // A flag spelling too long for its column gets the description on the next line.
  const head = flags.length < FLAG_COLUMN ? flags.padEnd(FLAG_COLUMN) : flags + "\n" +
    " ".repeat(FLAG_COLUMN);
  return head + wrap(text, FLAG_COLUMN).replaceAll(NO_BREAK, " ");
}

const DIFFERENCES = [
  "-h/--help exists; perf_analyzer HEAD treats it as an invalid option.",
  'Every value error names the value given (Got "..."); non-numeric values for numeric options ' +
  "are errors, never silently read as a number prefix.",
  "Positional arguments are an error (perf_analyzer ignores them).",
  'Failed requests are counted and reported ("Failed requests" line) instead of aborting the run.',
  "--request-count throughput uses the real span of the run, not a 1 s-polled window.",
  "Percentiles come from an HDR histogram (3 significant digits) so memory stays flat; the " +
  "average and standard deviation are exact.",
  "Long options may be shortened to any unambiguous prefix, as with getopt_long.",
];

/** The full --help text. */
export function usageText(): string {
  const out: string[] = [
    `perf_analyzer ${VERSION} (Deno/TypeScript): measures the throughput and latency of an ` +
    "inference server.",
    "Usage: perf_analyzer -m <model name> [options]",
  ];
  for (const [group, entries] of Object.entries(HELP)) {
    out.push("", `${group}:`, ...entries.map(formatEntry));
  }
  out.push("", "Differences from perf_analyzer:");
  out.push(...DIFFERENCES.map((d) => `  - ${wrap(d, 4)}`));
  const names = UNSUPPORTED_LONG_NAMES.map((n) => `--${n}`).join(" ");
  out.push("", wrap(`Recognized but not yet supported: ${names}`, 2));
  return out.join("\n") + "\n";
}

/** The --version text (perf_analyzer prints the same shape with its git commit). */
export function versionText(): string {
  return `Perf Analyzer Version ${VERSION} (commit deno-ts)`;
}
