/**
 * The --report-json and --report-html options (this tool's own, not perf_analyzer's): their
 * values, checked while the command line is read, and the files, written at the end of the
 * run. Unlike the CSV (which perf_analyzer leaves out when no level was stable) they are
 * written even then: a summary with no levels is what lets `compare` fail a CI gate on a run
 * that measured nothing.
 */
import type { ParseState } from "../cli/apply.ts";
import { valueError } from "../cli/values.ts";
import type { RunConfig } from "../cli/config.ts";
import type { ReportContext } from "./format.ts";
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

export async function writeReportFiles(
  levels: LevelResult[],
  ctx: ReportContext,
  writeTextFile: (path: string, text: string) => Promise<void>,
  now: Date = new Date(),
): Promise<void> {
  const { csvFile, reportJsonFile, reportHtmlFile } = ctx.config;
  // Like -f's CSV itself, written only when some level was reported.
  const tokenCsv = csvFile === undefined ? "" : formatTokenCsv(levels);
  if (tokenCsv !== "") await writeTextFile(tokenCsvPath(csvFile!), tokenCsv);
  if (reportJsonFile === undefined && reportHtmlFile === undefined) return;
  const summary = buildRunSummary(levels, ctx, now);
  if (reportJsonFile !== undefined) await writeTextFile(reportJsonFile, formatRunSummary(summary));
  if (reportHtmlFile !== undefined) await writeTextFile(reportHtmlFile, formatHtmlReport(summary));
}
