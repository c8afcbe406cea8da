/**
 * The --help and --version texts. Help lists only what this build implements, grouped, each
 * with its value form, default and meaning; recognized-but-unsupported options get one line.
 */
import { VERSION } from "../version.ts";
import { UNSUPPORTED_LONG_NAMES } from "./spec.ts";
import { HELP, type HelpEntry } from "./help_table.ts";
import { builtInKinds } from "../registry.ts";
import { serviceKindRows } from "./service_kinds.ts";

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

/** One entry per kind the registry loads: protocols, server statistics, modes. */
function serviceKindLines(): string[] {
  return serviceKindRows(builtInKinds()).map((k) => {
    const text = `Protocols: ${k.protocols}. Server statistics: ${k.serverStats}. ` +
      `Modes: ${k.modes}.`;
    return formatEntry({ id: "service-kind", flags: k.kind, def: "", text });
  });
}

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
  out.push("", "Service kinds (--service-kind):", ...serviceKindLines());
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
