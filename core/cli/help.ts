/**
 * The --help and --version texts. Help lists every option, grouped, each with its value form,
 * default and meaning.
 */
import { buildCommit, VERSION } from "../version.ts";
import { HELP, type HelpEntry } from "./help_table.ts";
import type { BackendDescriptor, BackendFlag, ServiceKindHelp } from "../backend.ts";
import { type LoadedPlugin, PLUGIN_PREFIX } from "../registry.ts";
import { TOKEN_METRICS_HELP, TOKEN_METRICS_TITLE } from "./help_tokens.ts";
import { ExitCode } from "../errors.ts";
import { MAX_INPUT_FILE_BYTES } from "../data/load.ts";
import { MAX_TENSOR_BYTES } from "../data/input_data.ts";
import { MAX_INTERIM, MAX_RESPONSE_BYTES } from "../../wire/http1/connection.ts";

const WIDTH = 100;
const FLAG_COLUMN = 40;

/**
 * Word-wraps `text` into lines that fit WIDTH when the first starts at column `indent` and the
 * others continue at the same column (the indentation is the caller's).
 */
export function wrapLines(text: string, indent: number): string[] {
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
  return lines;
}

/** {@link wrapLines} as one text, the continuation lines indented to `indent`. */
function wrap(text: string, indent: number): string {
  return wrapLines(text, indent).join("\n" + " ".repeat(indent));
}

/**
 * A command indented by 2, cut before WIDTH into shell continuation lines (" \\"), only before
 * a flag so a flag stays with its value.
 */
function commandLines(command: string): string[] {
  const parts = command.split(/ (?=-)/);
  const lines: string[] = [];
  let line = ` `;
  for (const part of parts) {
    if (line.trim() !== "" && line.length + 1 + part.length + 2 > WIDTH) {
      lines.push(`${line} \\`);
      line = "     ";
    }
    line += ` ${part}`;
  }
  return [...lines, line];
}

/** Stands in for spaces that must not break a line (inside "[default: ...]"). */
const NO_BREAK = "\u00a0";

/** Marks an option perf_analyzer does not have. */
const OURS = "(ours)";

function formatEntry(entry: Omit<HelpEntry, "id">): string {
  const def = `[default: ${entry.def}]`.replaceAll(" ", NO_BREAK);
  const said = entry.ours ? `${OURS} ${entry.text}` : entry.text;
  const text = entry.def === "" ? said : `${said} ${def}`;
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
  "--session-concurrency reports the whole run as one level (console, LLM table, CSV); " +
  "perf_analyzer writes only the profile export.",
  "--request-parameter sends names and string values as typed (perf_analyzer lower-cases them) " +
  "and also works with the kinds that say so under Service kinds (an LLM request's body fields).",
  "--periodic-concurrency-range starts exactly <end> requests and prints a summary of the run " +
  "(perf_analyzer prints none).",
];

/**
 * Commands with what they do, for --help. Each one parses (backends/mod_test.ts checks), so a
 * renamed flag cannot leave a broken example behind.
 */
export const HELP_EXAMPLES: readonly [string, string][] = [
  [
    "perf_analyzer -m simple -u localhost:8000 --concurrency-range 1:8:2 -f results.csv",
    "Sweep concurrency 1, 3, 5 and 7 over HTTP and write perf_analyzer's CSV.",
  ],
  [
    "perf_analyzer -m simple -i grpc -u localhost:8001 --request-rate-range 200:1000:200",
    "Open loop at 200 to 1000 requests/s over gRPC; latency counts from each request's " +
    "intended send time.",
  ],
  [
    "perf_analyzer -m simple --request-count 1000 --report-json run.json --report-html run.html",
    "Exactly 1000 requests, a run summary for `perf_analyzer compare` and a report page.",
  ],
  [
    "perf_analyzer -m my-llm --service-kind openai --endpoint v1/chat/completions --streaming " +
    "-u localhost:8000 --input-data prompts.json",
    "Time to first token and inter-token latency of an OpenAI-compatible server.",
  ],
  [
    "perf_analyzer -m simple -u localhost:8000 --concurrency-range 8 --worker-index 0 " +
    "--worker-count 2 --start-at 1796640000000 --dist-out run1",
    "Worker 0 of 2 of a distributed run, its share from that common start; once every worker " +
    "is done, `perf_analyzer merge run1` reports the run as one.",
  ],
  [
    "perf_analyzer profile -m my-llm --streaming --synthetic-input-tokens-mean 200 " +
    "--output-tokens-mean 64 --concurrency 8 -u localhost:8000",
    "GenAI-Perf's profile: its flags, prompts and reports on this engine (profile --help).",
  ],
  [
    "perf_analyzer compare base.json new.json --max-throughput-drop 5",
    "Compare two run summaries; exit 1 on a regression beyond the gates and the runs' noise.",
  ],
];

const EXIT_CODES: [number, string][] = [
  [ExitCode.Success, "success; also the second Ctrl-C, which quits at once (as perf_analyzer)"],
  [ExitCode.Unstable, "the first level of a linear sweep never stabilized"],
  [ExitCode.NoValidRequests, "a window had no valid request (every request failed)"],
  [ExitCode.ThresholdFailed, "ours: the run completed and a --threshold gate failed"],
  [
    ExitCode.Generic,
    "usage error, unreachable server, bad model or input data, an output file that cannot " +
    "be written, --max-error-rate exceeded",
  ],
  [ExitCode.Interrupted, "ours: the first Ctrl-C ended the run; what was measured is reported"],
];

const gib = (bytes: number) => `${bytes / 2 ** 30} GiB`;

const LIMITS = [
  "Output files (-f, --report-json, --report-html, --profile-export-file) are checked before " +
  "the first request; a file that still cannot be written at the end is printed to stdout.",
  `Input files (--input-data, --request-intervals): regular files only, at most ` +
  `${gib(MAX_INPUT_FILE_BYTES)} each. A synthetic input tensor: at most ` +
  `${gib(MAX_TENSOR_BYTES)}.`,
  `HTTP replies: at most ${gib(MAX_RESPONSE_BYTES)} held whole and ${MAX_INTERIM} interim 1xx ` +
  "responses; past either the request fails as a protocol error.",
  "HTTP: one connection per concurrent request, within the open-file limit: a " +
  "--concurrency-range that cannot fit is refused before the run, an open-loop in-flight cap " +
  "is lowered to fit (gRPC shares a connection among up to 100 calls).",
];

/** The plugin row: what any plugin module offers is up to the module. */
const PLUGIN_ROW: ServiceKindHelp = {
  protocols: "what the module declares",
  serverStats: "if the module offers serverStats()",
  modes: "those the module supports; check one with `deno task conformance plugin:<path>` " +
    "(plugins/example/README.md)",
};

function kindEntry(kind: string, help: ServiceKindHelp): string {
  const text = `Protocols: ${help.protocols}. Server statistics: ${help.serverStats}. ` +
    `Modes: ${help.modes}.`;
  return formatEntry({ flags: kind, def: "", text });
}

/** "http (-u localhost:8000), grpc (-u localhost:8001)", then the kind's own note. */
function protocolsText(d: BackendDescriptor): string {
  const list = d.protocols.map((p) => `${p} (-u ${d.defaultUrl[p] ?? "required"})`).join(", ");
  return [list, d.help.protocols].filter((t) => t !== "").join("; ");
}

function flagEntry(flag: BackendFlag<unknown>): string {
  const names = flag.short ? `-${flag.short}, --${flag.long}` : `--${flag.long}`;
  const flags = flag.value === undefined ? names : `${names} ${flag.value}`;
  return formatEntry({ flags, def: flag.def, text: flag.help, ours: flag.ours });
}

/**
 * One row per service kind, then the plugin row (and the loaded plugin's own row); each kind's
 * own flags in a group of its own, headed by the --service-kind value that selects them.
 */
function serviceKindSections(
  backends: readonly BackendDescriptor[],
  plugin: LoadedPlugin | undefined,
): string[] {
  const kinds = backends.map((d): [string, BackendDescriptor] => [d.kind, d]);
  const row = ([kind, d]: [string, BackendDescriptor]) =>
    kindEntry(kind, { ...d.help, protocols: protocolsText(d) });
  const out = ["", "Service kinds (--service-kind):", ...kinds.map(row)];
  out.push(kindEntry(`${PLUGIN_PREFIX}<path-or-URL>`, PLUGIN_ROW));
  if (plugin) {
    kinds.push([plugin.serviceKind, plugin.descriptor]);
    out.push(row(kinds.at(-1)!));
  }
  for (const [kind, d] of kinds) {
    if (!d.flags?.length) continue;
    out.push("", `Options of --service-kind ${kind}:`, ...d.flags.map(flagEntry));
  }
  return out;
}

/**
 * The full --help text, with the service kinds and flags of `backends`, and of `plugin` when
 * argv selected one.
 */
export function usageText(backends: readonly BackendDescriptor[], plugin?: LoadedPlugin): string {
  const out: string[] = [
    `perf_analyzer ${VERSION} (Deno/TypeScript): measures the throughput and latency of an ` +
    "inference server.",
    "Usage: perf_analyzer -m <model name> [options]",
    `Options marked ${OURS} are this tool's additions; perf_analyzer does not have them.`,
  ];
  for (const [group, entries] of Object.entries(HELP)) {
    out.push("", `${group}:`, ...entries.map(formatEntry));
  }
  out.push(...serviceKindSections(backends, plugin));
  out.push("", wrap(TOKEN_METRICS_TITLE, 0), ...TOKEN_METRICS_HELP.map(formatEntry));
  out.push("", "Examples:");
  for (const [command, meaning] of HELP_EXAMPLES) {
    out.push(...commandLines(command), `      ${wrap(meaning, 6)}`);
  }
  out.push("", "Differences from perf_analyzer:");
  out.push(...DIFFERENCES.map((d) => `  - ${wrap(d, 4)}`));
  out.push("", "Exit codes (perf_analyzer's, plus 4 and 130):");
  out.push(...EXIT_CODES.map(([code, text]) => `  ${String(code).padEnd(5)}${wrap(text, 7)}`));
  out.push("", "Limits (refused or capped with a one-line message, never a crash):");
  out.push(...LIMITS.map((l) => `  - ${wrap(l, 4)}`));
  return out.join("\n") + "\n";
}

/** The --version line, in perf_analyzer's shape: version and the commit it was built from. */
export function versionText(): string {
  return `Perf Analyzer Version ${VERSION} (commit ${buildCommit()})\n`;
}
