/**
 * The run's output files: the --report-json and --report-html options (this tool's own, not
 * perf_analyzer's), -f's CSV and --profile-export-file. Every path is probed before the run
 * sends anything, so a typo costs a second, not a sweep; the files themselves are written at
 * the end, and a write that still fails prints the file's content instead of losing it.
 *
 * Unlike the CSV (which perf_analyzer leaves out when no level was stable) the JSON and HTML
 * are written even then: a summary with no levels is what lets `compare` fail a CI gate on a
 * run that measured nothing.
 */
import type { ParseState } from "../cli/apply.ts";
import { valueError } from "../cli/values.ts";
import type { RunConfig } from "../cli/config.ts";
import type { ReportContext } from "./format.ts";
import { composingCsvPath, formatComposingCsvs, formatCsv } from "./csv.ts";
import { RunError } from "../errors.ts";
import { resolvePath } from "./sinks.ts";
import { formatHtmlReport } from "./html.ts";
import { buildRunSummary, formatRunSummary } from "./json.ts";
import type { LevelResult } from "../measure/results.ts";
import { formatTokenCsv, tokenCsvPath } from "./tokens.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

function path(flag: string, value: string): string {
  if (value === "") throw valueError(flag, "The value must not be empty.", value);
  return value;
}

export const REPORT_HANDLERS = {
  "report-json": (c, _s, v) => {
    c.reportJsonFile = path("--report-json", v);
  },
  "report-html": (c, _s, v) => {
    c.reportHtmlFile = path("--report-html", v);
  },
} satisfies Record<string, Handler>;

/**
 * The path that means stdout: the file goes there and the human report moves to stderr
 * (main.ts), so a script can pipe the JSON. One flag at most may take it.
 */
export const STDOUT = "-";
const STDOUT_FLAGS = ["--report-json", "--report-html"];

/** True when a report file of `config` is written to stdout. */
export function reportsToStdout(config: RunConfig): boolean {
  return config.reportJsonFile === STDOUT || config.reportHtmlFile === STDOUT;
}

/** An output file the run will write, and the flag that named it. */
interface Output {
  flag: string;
  path: string;
}

function outputsOf(config: RunConfig): Output[] {
  const named: [string, string | undefined][] = [
    ["-f", config.csvFile],
    ["--report-json", config.reportJsonFile],
    ["--report-html", config.reportHtmlFile],
    ["--profile-export-file", config.profileExportFile],
  ];
  return named.filter((n): n is [string, string] => n[1] !== undefined)
    .map(([flag, path]) => ({ flag, path }));
}

function cannotWrite(out: Output, why: string): RunError {
  return new RunError(`Cannot write ${out.flag} "${out.path}": ${why}.`);
}

function reason(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "its directory does not exist";
  if (e instanceof Deno.errors.PermissionDenied) return "permission denied";
  if (e instanceof Deno.errors.IsADirectory) return "it is a directory";
  if (e instanceof Deno.errors.NotADirectory) return "a part of the path is not a directory";
  return e instanceof Error ? e.message : String(e);
}

/**
 * Opens or creates each output file the run will write, before any request, and throws a
 * RunError (exit 99) naming the flag, the path and why it cannot be written. Nothing is left
 * behind: a probe file created here is removed, an existing file is opened without truncation.
 * The export file must not exist (perf_analyzer refuses to overwrite it).
 */
export async function checkOutputFiles(config: RunConfig, cwd: string): Promise<void> {
  const outputs = outputsOf(config);
  const seen = new Map<string, string>();
  for (const out of outputs) {
    if (out.path === STDOUT) {
      if (!STDOUT_FLAGS.includes(out.flag)) {
        throw cannotWrite(out, `only ${STDOUT_FLAGS.join(" or ")} can be "-" (stdout)`);
      }
      const other = seen.get(STDOUT);
      if (other !== undefined) throw cannotWrite(out, `${other} writes stdout already`);
      seen.set(STDOUT, out.flag);
      continue;
    }
    const resolved = resolvePath(out.path, cwd);
    const other = seen.get(resolved);
    if (other !== undefined) throw cannotWrite(out, `${other} writes the same file`);
    seen.set(resolved, out.flag);
    await probe(out, resolved);
  }
}

async function probe(out: Output, path: string): Promise<void> {
  let info: Deno.FileInfo | undefined;
  try {
    info = await Deno.stat(path);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw cannotWrite(out, reason(e));
  }
  try {
    if (info === undefined) {
      (await Deno.open(path, { write: true, createNew: true })).close();
      await Deno.remove(path);
    } else if (out.flag === "--profile-export-file") {
      throw cannotWrite(out, "the file already exists; remove it or choose another path");
    } else if (info.isDirectory) {
      throw cannotWrite(out, "it is a directory");
    } else if (info.isFile) {
      // A FIFO or a device (/dev/stdout) is the user's choice; opening a FIFO would block.
      (await Deno.open(path, { write: true })).close();
    }
  } catch (e) {
    throw e instanceof RunError ? e : cannotWrite(out, reason(e));
  }
}

/** Where the files go, and where their content goes when a file cannot be written. */
export interface ReportIo {
  writeTextFile(path: string, text: string): Promise<void>;
  stdout(text: string): void;
  stderr(text: string): void;
}

/**
 * The levels of a run: those the console and CSV report (stable ones, as perf_analyzer), and
 * every level measured, in order, each with its status (unstable, over the latency limit, cut
 * short), which the JSON and HTML keep so nothing measured vanishes.
 */
export interface RunLevels {
  reported: LevelResult[];
  measured: LevelResult[];
}

/**
 * Writes -f's CSV (when some level was reported), its token CSV, the JSON and the HTML. A file
 * that cannot be written (the disk filled, the directory went away) does not stop the others
 * and is not lost: its content goes to stdout after a line naming it, and stderr says why.
 * Returns false when some file was not written.
 */
export async function writeReportFiles(
  levels: LevelResult[] | RunLevels,
  ctx: ReportContext,
  io: ReportIo,
  now: Date = new Date(),
): Promise<boolean> {
  const { reported, measured } = Array.isArray(levels)
    ? { reported: levels, measured: levels }
    : levels;
  const { csvFile, reportJsonFile, reportHtmlFile } = ctx.config;
  const files: [Output, string][] = [];
  if (csvFile !== undefined && reported.length > 0) {
    files.push([{ flag: "-f", path: csvFile }, formatCsv(reported, ctx)]);
    // Like -f's CSV itself, written only when some level was reported.
    const tokenCsv = formatTokenCsv(reported);
    if (tokenCsv !== "") files.push([{ flag: "-f", path: tokenCsvPath(csvFile) }, tokenCsv]);
    // One CSV per composing model of an ensemble or BLS model, beside -f's.
    for (const extra of formatComposingCsvs(reported, ctx)) {
      files.push([{ flag: "-f", path: composingCsvPath(csvFile, extra.prefix) }, extra.text]);
    }
  }
  if (reportJsonFile !== undefined || reportHtmlFile !== undefined) {
    const summary = buildRunSummary(measured, ctx, now);
    if (reportJsonFile !== undefined) {
      files.push([{ flag: "--report-json", path: reportJsonFile }, formatRunSummary(summary)]);
    }
    if (reportHtmlFile !== undefined) {
      files.push([{ flag: "--report-html", path: reportHtmlFile }, formatHtmlReport(summary)]);
    }
  }
  let all = true;
  for (const [out, text] of files) {
    try {
      await io.writeTextFile(out.path, text);
    } catch (e) {
      all = false;
      io.stderr(`error: ${cannotWrite(out, reason(e)).message} Its content follows on stdout.\n`);
      io.stdout(`--- ${out.flag} ${out.path} (not written) ---\n${text}`);
      if (!text.endsWith("\n")) io.stdout("\n");
    }
  }
  return all;
}
