/**
 * The `compare` command line: `compare A.json B.json [--max-throughput-drop PCT]
 * [--max-latency-rise PCT] [--percentile pNN|avg]`. Exit codes are the CI contract:
 * 0 within thresholds, 1 regression, 2 bad usage or a file that is not a run summary.
 */
import { parseArgs } from "node:util";
import { type CompareOptions, compareSummaries, missingStatistic } from "./compare.ts";
import { formatComparison } from "./compare_format.ts";
import { formatComparisonHtml } from "./compare_html.ts";
import { parseRunSummary } from "./json_parse.ts";
import type { RunSummary } from "./json.ts";

export const CompareExit = { Within: 0, Regression: 1, Usage: 2 } as const;

export interface CompareIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, text: string): Promise<void>;
}

export const COMPARE_HELP = `Usage: compare A.json B.json [options]
Compares two run summaries written with --report-json: A is the baseline, B the new run.
Levels are matched by load mode and value; each matched level shows throughput and the
avg, p50, p90, p95 and p99 latency of A and B and the change in percent. Levels that only
one file has are listed.

Options:
  --max-throughput-drop <pct>   Largest allowed throughput drop per level. [default: 10]
  --max-latency-rise <pct>      Largest allowed rise of the gated latency. [default: 10]
  --percentile <pNN|avg>        The gated latency statistic. [default: p99]
  --report-html <file>          Also write both runs on one page: latency vs throughput (A
                                solid, B dashed), throughput per level, every row's verdict.
  -h, --help                    Print this help.

A change past a threshold that is inside the noise band (the 95% Welch interval of the
difference, from the measurement windows both files keep per level) is printed as
"within noise" and is not a regression: a busy machine moves two runs of one build apart.

Exit codes: 0 = every matched level within thresholds and every level of A also in B;
1 = regression (a gate exceeded, or a level of A missing from B);
2 = usage error or a file that cannot be read as a run summary.
`;

class CompareUsage extends Error {}

function percentOption(name: string, text: string | undefined, def: number): number {
  if (text === undefined) return def;
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new CompareUsage(`--${name} must be a percentage >= 0, got "${text}"`);
  }
  return n;
}

function statOption(text: string | undefined): string {
  if (text === undefined) return "p99";
  if (text === "avg") return text;
  const m = /^p?(\d+(\.\d+)?)$/.exec(text);
  if (!m || Number(m[1]) <= 0 || Number(m[1]) > 100) {
    throw new CompareUsage(`--percentile must be "avg" or p1..p100 (e.g. p99), got "${text}"`);
  }
  return `p${Number(m[1])}`;
}

function parse(
  args: string[],
): { files: string[]; options: CompareOptions; html: string | undefined } | "help" {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        "max-throughput-drop": { type: "string" },
        "max-latency-rise": { type: "string" },
        percentile: { type: "string" },
        "report-html": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (e) {
    throw new CompareUsage((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length !== 2) {
    throw new CompareUsage(
      `expected two run summary files (A.json B.json), got ${parsed.positionals.length}`,
    );
  }
  const html = v["report-html"];
  if (html === "") throw new CompareUsage("--report-html needs a file name");
  return {
    files: parsed.positionals,
    html,
    options: {
      maxThroughputDropPct: percentOption("max-throughput-drop", v["max-throughput-drop"], 10),
      maxLatencyRisePct: percentOption("max-latency-rise", v["max-latency-rise"], 10),
      percentile: statOption(v.percentile),
    },
  };
}

async function load(path: string, io: CompareIo, stat: string): Promise<RunSummary> {
  let text: string;
  try {
    text = await io.readTextFile(path);
  } catch (e) {
    throw new CompareUsage(`Cannot read run summary "${path}": ${(e as Error).message}`);
  }
  let summary: RunSummary;
  try {
    summary = parseRunSummary(text, path);
  } catch (e) {
    throw new CompareUsage((e as Error).message);
  }
  const lacking = missingStatistic(summary, stat);
  if (lacking) {
    throw new CompareUsage(
      `"${path}" has no ${stat} latency for ${lacking.mode} ${lacking.value}; ` +
        "run with --percentile to record it, or gate on avg/p50/p90/p95/p99",
    );
  }
  return summary;
}

export async function compareMain(args: string[], io: CompareIo): Promise<number> {
  try {
    const p = parse(args);
    if (p === "help") {
      io.stdout(COMPARE_HELP);
      return CompareExit.Within;
    }
    const [a, b] = await Promise.all(p.files.map((f) => load(f, io, p.options.percentile)));
    const c = compareSummaries(a, b, p.options);
    const names = { a: p.files[0], b: p.files[1] };
    io.stdout(formatComparison(c, p.options, names));
    if (p.html !== undefined) {
      try {
        await io.writeTextFile(p.html, formatComparisonHtml(a, b, c, p.options, names));
      } catch (e) {
        throw new CompareUsage(`Cannot write --report-html "${p.html}": ${(e as Error).message}`);
      }
    }
    return c.regressionCount === 0 ? CompareExit.Within : CompareExit.Regression;
  } catch (e) {
    if (!(e instanceof CompareUsage)) throw e;
    io.stderr(`compare: ${e.message}\n(compare --help for usage)\n`);
    return CompareExit.Usage;
  }
}
