/**
 * The LLM metrics of levels whose backend reports tokens: GenAI-Perf's console table (printed
 * after perf_analyzer's block of the level) and its profile_export_genai_perf.csv layout
 * (written next to -f's CSV). Rows, names and units are GenAI-Perf's; this tool's two extra
 * rows (Inter Chunk Latency, Tokens Per Event) sit below a rule in the table and after
 * GenAI-Perf's rows in the CSV. See docs/perf_analyzer.md §7.1.
 */
import type { LevelResult } from "../measure/results.ts";
import type { TokenStat, TokenStats } from "../measure/tokens.ts";
import { formatFixed, formatLoadValue } from "./format.ts";

interface Row {
  /** Metric name as GenAI-Perf titles it, without the unit. */
  name: string;
  /** "" for token counts: GenAI-Perf's CSV leaves "(tokens)" out, its console does not. */
  unit: string;
  stat(s: TokenStats): TokenStat;
}

const GENAI_PERF_ROWS: readonly Row[] = [
  { name: "Time To First Token", unit: "ms", stat: (s) => s.timeToFirstToken },
  { name: "Time To Second Token", unit: "ms", stat: (s) => s.timeToSecondToken },
  { name: "Request Latency", unit: "ms", stat: (s) => s.requestLatency },
  { name: "Inter Token Latency", unit: "ms", stat: (s) => s.interTokenLatency },
  {
    name: "Output Token Throughput Per User",
    unit: "tokens/sec/user",
    stat: (s) => s.outputTokenThroughputPerUser,
  },
  { name: "Output Sequence Length", unit: "", stat: (s) => s.outputSequenceLength },
  { name: "Input Sequence Length", unit: "", stat: (s) => s.inputSequenceLength },
];

const EXTRA_ROWS: readonly Row[] = [
  { name: "Inter Chunk Latency", unit: "ms", stat: (s) => s.interChunkLatency },
  { name: "Tokens Per Event", unit: "", stat: (s) => s.tokensPerEvent },
];

const CONSOLE_COLUMNS = ["avg", "min", "max", "p99", "p90", "p75"] as const;
const CSV_COLUMNS = ["avg", "min", "max", "p99", "p95", "p90", "p75", "p50", "p25"] as const;
type Column = typeof CSV_COLUMNS[number];

const NOT_AVAILABLE = "N/A";

/** Python's `f"{x:,.2f}"`: two decimals (ties to even), thousands separated by commas. */
export function formatGrouped(x: number): string {
  const text = formatFixed(x, 2);
  const negative = text.startsWith("-");
  const [whole, fraction] = (negative ? text.slice(1) : text).split(".");
  const grouped = whole.replace(/\B(?=(\d{3})+$)/g, ",");
  return `${negative ? "-" : ""}${grouped}.${fraction}`;
}

function cell(stat: TokenStat, column: Column): number {
  if (column === "avg") return stat.avg;
  if (column === "min") return stat.min;
  if (column === "max") return stat.max;
  return stat.percentiles.get(Number(column.slice(1))) ?? 0;
}

/** A metric nobody measured (no request with two tokens has an inter-token latency) is N/A. */
function cells(stat: TokenStat, columns: readonly Column[]): string[] {
  return columns.map((c) => stat.count === 0 ? NOT_AVAILABLE : formatGrouped(cell(stat, c)));
}

function consoleName(row: Row): string {
  return `${row.name} (${row.unit || "tokens"})`;
}

/**
 * Box-drawn like GenAI-Perf's table (heavy head, right-aligned, one space of padding), with a
 * light rule before body row `ruleBefore` (-1: none).
 */
export function drawTable(header: string[], body: string[][], ruleBefore: number): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => r[i].length)));
  const line = (l: string, fill: string, mid: string, r: string) =>
    l + widths.map((w) => fill.repeat(w + 2)).join(mid) + r;
  const cellsOf = (row: string[], bar: string) =>
    bar + row.map((c, i) => ` ${c.padStart(widths[i])} `).join(bar) + bar;
  const out = [
    line("┏", "━", "┳", "┓"),
    cellsOf(header, "┃"),
    line("┡", "━", "╇", "┩"),
  ];
  body.forEach((row, i) => {
    if (i === ruleBefore) out.push(line("├", "─", "┼", "┤"));
    out.push(cellsOf(row, "│"));
  });
  out.push(line("└", "─", "┴", "┘"));
  return out;
}

/** The table and the throughput lines of one level; "" when the level has no token metrics. */
export function formatTokenTable(level: LevelResult): string {
  const s = level.client.tokens;
  if (s === undefined) return "";
  const rows = [...GENAI_PERF_ROWS, ...EXTRA_ROWS];
  const body = rows.map((r) => [consoleName(r), ...cells(r.stat(s), CONSOLE_COLUMNS)]);
  const table = drawTable(["Statistic", ...CONSOLE_COLUMNS], body, GENAI_PERF_ROWS.length);
  const title = "LLM Metrics";
  const pad = Math.max(0, Math.floor((table[0].length - title.length) / 2));
  const lines = [
    " ".repeat(pad) + title,
    ...table,
    ...tokenSourceLines(s),
    `Output Token Throughput (tokens/sec): ${formatGrouped(s.outputTokenThroughput)}`,
    `Request Throughput (per sec): ${formatGrouped(s.requestThroughput)}`,
    "Below the rule, not GenAI-Perf metrics: Inter Chunk Latency is every gap between " +
    "consecutive token-bearing events (vLLM's ITL); Tokens Per Event is the tokens each carried.",
  ];
  return lines.join("\n") + "\n";
}

function requests(n: number): string {
  return n === 1 ? "1 request" : `${n} requests`;
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/**
 * Where the level's output and input lengths came from (a client tokenizer, the server's usage,
 * the events), and, when a request had both a client count and the server's usage, how the two
 * differ: the client's count is used, the difference is shown, never hidden.
 */
export function tokenSourceLines(s: TokenStats): string[] {
  const { client, counter, server, events } = s.sources;
  const from: string[] = [];
  if (client > 0) from.push(`tokenizer ${counter} for ${requests(client)}`);
  if (server > 0) from.push(`the server's usage for ${requests(server)}`);
  if (events > 0) {
    const how = s.untokenizedCount === events
      ? "one token per token-bearing event, no usage and no tokenizer"
      : "the tokens each event carried";
    from.push(`the events for ${requests(events)} (${how})`);
  }
  const lines = [`Token counts from: ${from.length > 0 ? from.join("; ") : "no request"}`];
  const m = s.mismatch;
  if (m.requests > 0) {
    const head = `Tokenizer vs server usage, output tokens of ${requests(m.requests)} with both: `;
    if (m.differing === 0) {
      lines.push(`${head}both ${m.clientTokens}, no request differs`);
    } else {
      const diff = m.serverTokens - m.clientTokens;
      const pct = m.clientTokens > 0
        ? ` (${signed(Number(formatFixed(100 * diff / m.clientTokens, 2)))} %)`
        : "";
      lines.push(
        `${head}tokenizer ${m.clientTokens}, server ${m.serverTokens}, server − tokenizer ` +
          `${signed(diff)}${pct}; ${requests(m.differing)} differ, at most by ` +
          `${signed(m.maxDifference)}`,
      );
    }
  }
  const e = s.expectedOutput;
  if (e !== undefined && e.requests > 0) {
    lines.push(
      `Output lengths pinned (min_tokens = max_tokens) by ${requests(e.requests)}: ` +
        (e.missed === 0
          ? `every one returned its length (${e.actualTokens} tokens)`
          : `${requests(e.missed)} returned another length; asked ${e.expectedTokens} tokens, ` +
            `got ${e.actualTokens}`),
    );
  }
  return lines;
}

/** Quotes a CSV field the way Python's csv module does when it holds a comma or a quote. */
export function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvName(row: Row): string {
  return row.unit === "" ? row.name : `${row.name} (${row.unit})`;
}

/** One level's two GenAI-Perf tables: per-request statistics, a blank row, system metrics. */
function csvBlock(s: TokenStats): string[] {
  const lines = [["Metric", ...CSV_COLUMNS].join(",")];
  for (const row of [...GENAI_PERF_ROWS, ...EXTRA_ROWS]) {
    lines.push([csvName(row), ...cells(row.stat(s), CSV_COLUMNS)].map(csvField).join(","));
  }
  lines.push(
    "",
    "Metric,Value",
    `Output Token Throughput (tokens/sec),${formatFixed(s.outputTokenThroughput, 2)}`,
    `Request Throughput (per sec),${formatFixed(s.requestThroughput, 2)}`,
  );
  return lines;
}

/**
 * GenAI-Perf's profile_export_genai_perf.csv for the reported levels with token metrics; ""
 * when there are none. GenAI-Perf measures one load per run: a single level is its layout
 * exactly; with several, each level's block is preceded by a "Concurrency,<n>" (or
 * "Request Rate,<r>") row and separated from the next by a blank row.
 */
export function formatTokenCsv(levels: LevelResult[]): string {
  const reported = levels.filter((l) => l.status === "stable" && l.client.tokens !== undefined);
  if (reported.length === 0) return "";
  const blocks = reported.map((l) => {
    const block = csvBlock(l.client.tokens!);
    if (reported.length === 1) return block;
    const load = l.mode === "concurrency" ? "Concurrency" : "Request Rate";
    return [`${load},${formatLoadValue(l.mode, l.value)}`, ...block];
  });
  return blocks.map((b) => b.join("\n")).join("\n\n") + "\n";
}

/** Where the token CSV goes: next to -f's file, "<stem>_genai_perf.csv". */
export function tokenCsvPath(csvFile: string): string {
  const slash = csvFile.lastIndexOf("/");
  const dot = csvFile.lastIndexOf(".");
  const stem = dot > slash + 1 ? csvFile.slice(0, dot) : csvFile;
  return `${stem}_genai_perf.csv`;
}
