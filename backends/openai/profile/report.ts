/**
 * The profile subcommand's reports in GenAI-Perf's layouts, from the levels the engine measured:
 * the console table ("NVIDIA GenAI-Perf | LLM Metrics"), profile_export_genai_perf.csv and
 * profile_export_genai_perf.json (its keys, units and statistics), and, for sweeps and searches,
 * one row per load value. This tool's extra rows (inter-chunk latency, tokens per event, send
 * lateness, errors by class, where token counts came from, goodput attainment) come after
 * GenAI-Perf's, below a rule or in a block of their own, so a reader of its layout finds it
 * unchanged. Rules and names: docs/perf_analyzer.md §7.2.
 */
import type { LevelResult } from "../../../core/measure/results.ts";
import type { TokenStat, TokenStats } from "../../../core/measure/tokens.ts";
import { formatFixed, formatLoadValue } from "../../../core/report/format.ts";
import {
  csvField,
  drawTable,
  formatGrouped,
  tokenSourceLines,
} from "../../../core/report/tokens.ts";
import type { EndpointType, ProfileOptions } from "./options.ts";
import type { GaugeStat, LevelServerMetrics, ServerHistogramStat } from "./server_metrics.ts";

interface RequestMetric {
  /** GenAI-Perf's key; its title-cased form names the row. */
  key: string;
  /** The unit the console shows; "tokens" rows show it there but not in the CSV. */
  unit: string;
  /** The unit of the JSON export (GenAI-Perf says tokens/sec for the per-user rate too). */
  jsonUnit: string;
  stat(s: TokenStats): TokenStat;
  /** GenAI-Perf leaves the row out of the console table of a run that did not stream. */
  streamingConsole: boolean;
  /** ... and out of the CSV (only TTFT and ITL there). */
  streamingCsv: boolean;
}

const REQUEST_METRICS: readonly RequestMetric[] = [
  {
    key: "time_to_first_token",
    unit: "ms",
    jsonUnit: "ms",
    stat: (s) => s.timeToFirstToken,
    streamingConsole: true,
    streamingCsv: true,
  },
  {
    key: "time_to_second_token",
    unit: "ms",
    jsonUnit: "ms",
    stat: (s) => s.timeToSecondToken,
    streamingConsole: true,
    streamingCsv: false,
  },
  {
    key: "request_latency",
    unit: "ms",
    jsonUnit: "ms",
    stat: (s) => s.requestLatency,
    streamingConsole: false,
    streamingCsv: false,
  },
  {
    key: "inter_token_latency",
    unit: "ms",
    jsonUnit: "ms",
    stat: (s) => s.interTokenLatency,
    streamingConsole: true,
    streamingCsv: true,
  },
  {
    key: "output_token_throughput_per_user",
    unit: "tokens/sec/user",
    jsonUnit: "tokens/sec",
    stat: (s) => s.outputTokenThroughputPerUser,
    streamingConsole: false,
    streamingCsv: false,
  },
  {
    key: "output_sequence_length",
    unit: "tokens",
    jsonUnit: "tokens",
    stat: (s) => s.outputSequenceLength,
    streamingConsole: false,
    streamingCsv: false,
  },
  {
    key: "input_sequence_length",
    unit: "tokens",
    jsonUnit: "tokens",
    stat: (s) => s.inputSequenceLength,
    streamingConsole: false,
    streamingCsv: false,
  },
];

/** This tool's pooled rows, after GenAI-Perf's. */
const EXTRA_METRICS: readonly RequestMetric[] = [
  {
    key: "inter_chunk_latency",
    unit: "ms",
    jsonUnit: "ms",
    stat: (s) => s.interChunkLatency,
    streamingConsole: true,
    streamingCsv: true,
  },
  {
    key: "tokens_per_event",
    unit: "tokens",
    jsonUnit: "tokens",
    stat: (s) => s.tokensPerEvent,
    streamingConsole: true,
    streamingCsv: true,
  },
];

interface SystemMetric {
  key: string;
  unit: string;
  jsonUnit: string;
  value(level: LevelResult): number | undefined;
}

/** GenAI-Perf's system metrics in its order; goodput only when the run has targets. */
const SYSTEM_METRICS: readonly SystemMetric[] = [
  {
    key: "output_token_throughput",
    unit: "tokens/sec",
    jsonUnit: "tokens/sec",
    value: (l) => l.client.tokens?.outputTokenThroughput,
  },
  {
    key: "request_throughput",
    unit: "per sec",
    jsonUnit: "requests/sec",
    value: (l) => l.client.tokens?.requestThroughput ?? l.client.throughput,
  },
  {
    key: "request_goodput",
    unit: "per sec",
    jsonUnit: "requests/sec",
    value: (l) => l.client.tokens?.goodput?.goodput,
  },
  {
    key: "request_count",
    unit: "count",
    jsonUnit: "count",
    value: (l) => l.client.requestCount,
  },
];

const CONSOLE_COLUMNS = ["avg", "min", "max", "p99", "p90", "p75"] as const;
const CSV_COLUMNS = ["avg", "min", "max", "p99", "p95", "p90", "p75", "p50", "p25"] as const;
const JSON_PERCENTILES = [1, 5, 10, 25, 50, 75, 90, 95, 99] as const;
type Column = typeof CSV_COLUMNS[number];
const NOT_AVAILABLE = "N/A";

/** Python's str.title() of a snake_case key: "time_to_first_token" → "Time To First Token". */
function title(key: string): string {
  return key.split("_").map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join(" ");
}

function cell(stat: TokenStat, column: Column): number {
  if (column === "avg") return stat.avg;
  if (column === "min") return stat.min;
  if (column === "max") return stat.max;
  return stat.percentiles.get(Number(column.slice(1))) ?? NaN;
}

function cells(stat: TokenStat, columns: readonly Column[]): string[] {
  return columns.map((c) => stat.count === 0 ? NOT_AVAILABLE : formatGrouped(cell(stat, c)));
}

/** GenAI-Perf's title for the endpoint type. */
function tableTitle(type: EndpointType): string {
  return `NVIDIA GenAI-Perf | ${type === "embeddings" ? "Embeddings" : "LLM"} Metrics`;
}

/**
 * Request latency of a level without token metrics (embeddings): the engine's latency
 * distribution, whose spectrum has min, max, p25 ... p99 (no p1, p5, p10: they stay NaN).
 */
function requestLatencyOf(level: LevelResult): TokenStat | undefined {
  const c = level.client;
  if (c.spectrumNs === undefined) return undefined;
  const at = (p: number) => (c.spectrumNs!.find((s) => s.percentile === p)?.ns ?? NaN) / 1e6;
  return {
    count: c.requestCount,
    avg: c.avgLatencyNs / 1e6,
    min: at(0),
    max: at(100),
    std: c.stdLatencyNs / 1e6,
    percentiles: new Map(JSON_PERCENTILES.map((p) => [p, at(p)])),
  };
}

function consoleRows(level: LevelResult, streaming: boolean): string[][] {
  const s = level.client.tokens;
  const rows: string[][] = [];
  if (s !== undefined) {
    for (const m of REQUEST_METRICS) {
      if (m.streamingConsole && !streaming) continue;
      rows.push([`${title(m.key)} (${m.unit})`, ...cells(m.stat(s), CONSOLE_COLUMNS)]);
    }
  } else {
    const latency = requestLatencyOf(level);
    if (latency) rows.push(["Request Latency (ms)", ...cells(latency, CONSOLE_COLUMNS)]);
  }
  for (const m of SYSTEM_METRICS) {
    const v = m.value(level);
    if (v === undefined) continue;
    const rest = CONSOLE_COLUMNS.slice(1).map(() => NOT_AVAILABLE);
    rows.push([`${title(m.key)} (${m.unit})`, formatGrouped(v), ...rest]);
  }
  return rows;
}

/** The load a level ran at, as GenAI-Perf's analyze names it. */
export function loadLabel(level: LevelResult): string {
  const v = formatLoadValue(level.mode, level.value);
  return level.mode === "concurrency" ? `Concurrency ${v}` : `Request rate ${v} per sec`;
}

/**
 * The console table of one level, then this tool's extras below a rule and as lines, then the
 * server's own metrics (--server-metrics-url) when scraped.
 */
export function formatConsole(
  level: LevelResult,
  o: ProfileOptions,
  server: LevelServerMetrics[] = [],
): string {
  const rows = consoleRows(level, o.streaming);
  const s = level.client.tokens;
  const ruleBefore = s !== undefined && o.streaming ? rows.length : -1;
  if (s !== undefined && o.streaming) {
    for (const m of EXTRA_METRICS) {
      rows.push([`${title(m.key)} (${m.unit})`, ...cells(m.stat(s), CONSOLE_COLUMNS)]);
    }
  }
  const table = drawTable(["Statistic", ...CONSOLE_COLUMNS], rows, ruleBefore);
  const head = tableTitle(o.endpointType);
  const pad = Math.max(0, Math.floor((table[0].length - head.length) / 2));
  const lines = [" ".repeat(pad) + head, ...table, ...extraLines(level)];
  for (const m of server) lines.push(...serverTable(m));
  return lines.join("\n") + "\n";
}

/** One scraped server's table: gauges over the level's scrapes, its histograms' deltas. */
function serverTable(m: LevelServerMetrics): string[] {
  const gauge = (name: string, g: GaugeStat | undefined, scale = 1) =>
    g === undefined ? [] : [[
      name,
      ...[g.avg, g.p50, g.p99, g.max].map((v) => formatGrouped(v * scale)),
      String(g.samples),
    ]];
  const histogram = (name: string, h: ServerHistogramStat | undefined) =>
    h === undefined ? [] : [[
      name,
      ...[h.avg, h.p50, h.p99].map((v) => Number.isNaN(v) ? NOT_AVAILABLE : formatGrouped(v)),
      NOT_AVAILABLE,
      String(h.count),
    ]];
  const rows = [
    ...gauge("Requests Running", m.running),
    ...gauge("Requests Waiting", m.waiting),
    ...gauge("KV Cache Usage (%)", m.cache, 100),
    ...histogram("Time To First Token (ms)", m.ttftMs),
    ...histogram("Time Per Output Token (ms)", m.tpotMs),
    ...histogram("Queue Time (ms)", m.queueMs),
  ];
  if (rows.length === 0) return [`Server metrics of ${m.url}: none scraped during the level`];
  return [
    `Server metrics of ${m.url} (gauges over the scrapes in the level, histograms' ` +
    "difference across it; count = scrapes or observations)",
    ...drawTable(["Server Metric", "avg", "p50", "p99", "max", "count"], rows, -1),
  ];
}

/** Below the table: what GenAI-Perf does not show. */
function extraLines(level: LevelResult): string[] {
  const c = level.client;
  const lines = [`Load: ${loadLabel(level)}`];
  const g = c.tokens?.goodput;
  if (g !== undefined) {
    const targets = g.targets.map((t) =>
      t.metric === "output_token_throughput_per_user"
        ? `${t.metric} >= ${t.value} tokens/s`
        : `${t.metric} <= ${t.value} ms`
    ).join(", ");
    const pct = Number.isNaN(g.attainment) ? "N/A" : `${formatFixed(g.attainment * 100, 2)} %`;
    lines.push(
      `Goodput attainment: ${pct} (${g.good} of ${g.judged} requests met every target: ` +
        `${targets}; failed requests never do)`,
    );
  }
  const ol = c.openLoop;
  if (level.mode === "request_rate" && ol !== undefined) {
    const ms = (ns: number | undefined) => formatFixed((ns ?? 0) / 1e6, 3);
    const l = ol.latenessPercentilesNs;
    lines.push(
      `Send lateness (actual - intended send, ms): p50 ${ms(l.get(50))}, p90 ${ms(l.get(90))}, ` +
        `p99 ${ms(l.get(99))}, max ${ms(ol.maxLatenessNs)}`,
    );
  }
  lines.push(`Errors: ${errorText(level)}`);
  if (c.tokens !== undefined) lines.push(...tokenSourceLines(c.tokens));
  return lines;
}

/** Failed requests by class (error text), most frequent first. */
function errorText(level: LevelResult): string {
  const c = level.client;
  if (c.errorCount === 0) return "none";
  const classes = [...c.errors.entries()].sort((a, b) => b[1] - a[1])
    .map(([text, n]) => `${n}× ${text}`);
  return `${c.errorCount} of ${c.errorCount + c.requestCount} requests (${classes.join("; ")})`;
}

/** GenAI-Perf's profile_export_genai_perf.csv, then this tool's rows in a block of their own. */
export function formatCsv(level: LevelResult, o: ProfileOptions): string {
  const s = level.client.tokens;
  const lines = [["Metric", ...CSV_COLUMNS].join(",")];
  const row = (m: RequestMetric, t: TokenStats) => {
    const name = m.unit === "tokens" ? title(m.key) : `${title(m.key)} (${m.unit})`;
    return [name, ...cells(m.stat(t), CSV_COLUMNS)].map(csvField).join(",");
  };
  if (s !== undefined) {
    for (const m of REQUEST_METRICS) if (!(m.streamingCsv && !o.streaming)) lines.push(row(m, s));
  } else {
    const latency = requestLatencyOf(level);
    if (latency) {
      lines.push(["Request Latency (ms)", ...cells(latency, CSV_COLUMNS)].map(csvField).join(","));
    }
  }
  lines.push("", "Metric,Value");
  for (const m of SYSTEM_METRICS) {
    const v = m.value(level);
    if (v !== undefined) lines.push(`${title(m.key)} (${m.unit}),${formatFixed(v, 2)}`);
  }
  if (s !== undefined && o.streaming) {
    lines.push("", ["Metric", ...CSV_COLUMNS].join(","));
    for (const m of EXTRA_METRICS) lines.push(row(m, s));
  }
  return lines.join("\n") + "\n";
}

/** One statistic as GenAI-Perf's JSON has it (its std is the population's). */
function jsonStat(unit: string, t: TokenStat): Record<string, number | string> {
  const out: Record<string, number | string> = { unit, avg: t.avg };
  for (const p of JSON_PERCENTILES) out[`p${p}`] = t.percentiles.get(p) ?? NaN;
  out.min = t.min;
  out.max = t.max;
  const n = t.count;
  out.std = n >= 2 ? t.std * Math.sqrt((n - 1) / n) : 0;
  return out;
}

/** The options as GenAI-Perf's input_config names them. */
function inputConfig(o: ProfileOptions): Record<string, unknown> {
  return {
    model: [o.model],
    url: o.url,
    endpoint_type: o.endpointType,
    endpoint: o.endpoint ?? null,
    service_kind: "openai",
    streaming: o.streaming,
    concurrency: o.loadMode === "concurrency" ? loadText(o) : null,
    request_rate: o.loadMode === "request_rate" ? loadText(o) : null,
    request_distribution: o.requestDistribution,
    request_count: o.requestCount ?? 0,
    warmup_request_count: o.warmupRequestCount,
    measurement_interval: o.measurementIntervalMs,
    extra_inputs: o.extraInputs,
    header: o.headers,
    random_seed: o.randomSeed,
    tokenizer: o.tokenizer ?? "builtin",
    goodput: Object.fromEntries(o.goodput.map((t) => [t.metric, t.value])),
    synthetic_input_tokens_mean: o.syntheticInputTokensMean,
    synthetic_input_tokens_stddev: o.syntheticInputTokensStddev,
    output_tokens_mean: o.outputTokensMean ?? -1,
    output_tokens_stddev: o.outputTokensStddev,
    output_tokens_mean_deterministic: o.outputTokensMeanDeterministic,
    num_dataset_entries: o.numDatasetEntries,
    num_prefix_prompts: o.numPrefixPrompts,
    prefix_prompt_length: o.prefixPromptLength,
    input_file: o.inputFile ?? null,
    server_metrics_url: o.serverMetricsUrls,
    generate_plots: o.generatePlots,
  };
}

function loadText(o: ProfileOptions): string {
  return o.load.kind === "range" ? o.load.text : o.load.values.join(",");
}

/**
 * profile_export_genai_perf.json: GenAI-Perf's metric keys (a metric nothing measured is left
 * out, as GenAI-Perf skips empty ones), this tool's extras under their own keys, then
 * input_config.
 */
export function formatJson(
  level: LevelResult,
  o: ProfileOptions,
  server: LevelServerMetrics[] = [],
): string {
  const out: Record<string, unknown> = {};
  const s = level.client.tokens;
  if (s !== undefined) {
    for (const m of REQUEST_METRICS) {
      const t = m.stat(s);
      if (t.count > 0) out[m.key] = jsonStat(m.jsonUnit, t);
    }
  } else {
    const latency = requestLatencyOf(level);
    if (latency) out.request_latency = jsonStat("ms", latency);
  }
  for (const m of SYSTEM_METRICS) {
    const v = m.value(level);
    if (v !== undefined) out[m.key] = { unit: m.jsonUnit, avg: v };
  }
  if (s !== undefined) {
    for (const m of EXTRA_METRICS) {
      const t = m.stat(s);
      if (t.count > 0) out[m.key] = jsonStat(m.jsonUnit, t);
    }
    if (s.goodput !== undefined) {
      out.goodput_attainment = {
        unit: "fraction",
        avg: s.goodput.attainment,
        good: s.goodput.good,
        judged: s.goodput.judged,
      };
    }
    out.token_counts = {
      tokenizer: s.sources.counter,
      tokenizer_requests: s.sources.client,
      server_usage_requests: s.sources.server,
      event_requests: s.sources.events,
    };
  }
  const ol = level.client.openLoop;
  if (level.mode === "request_rate" && ol !== undefined) {
    const ms = (ns: number | undefined) => (ns ?? 0) / 1e6;
    out.send_lateness = {
      unit: "ms",
      p50: ms(ol.latenessPercentilesNs.get(50)),
      p90: ms(ol.latenessPercentilesNs.get(90)),
      p99: ms(ol.latenessPercentilesNs.get(99)),
      max: ms(ol.maxLatenessNs),
    };
  }
  out.errors = {
    count: level.client.errorCount,
    by_class: Object.fromEntries(level.client.errors),
  };
  if (server.length > 0) {
    out.server_metrics = server.map((m) => ({
      url: m.url,
      requests_running: m.running,
      requests_waiting: m.waiting,
      kv_cache_usage: m.cache,
      time_to_first_token: m.ttftMs === undefined ? undefined : { unit: "ms", ...m.ttftMs },
      time_per_output_token: m.tpotMs === undefined ? undefined : { unit: "ms", ...m.tpotMs },
      queue_time: m.queueMs === undefined ? undefined : { unit: "ms", ...m.queueMs },
    }));
  }
  out.input_config = inputConfig(o);
  // NaN (an empty percentile) is not JSON: null, as GenAI-Perf's readers expect of a gap.
  return JSON.stringify(
    out,
    (_k, v) => typeof v === "number" && !Number.isFinite(v) ? null : v,
    2,
  ) +
    "\n";
}

const SWEEP_HEADER = [
  "Load",
  "Status",
  "Request Throughput (per sec)",
  "Request Goodput (per sec)",
  "Attainment (%)",
  "TTFT avg (ms)",
  "TTFT p99 (ms)",
  "ITL avg (ms)",
  "Request Latency p99 (ms)",
  "Output Token Throughput (tokens/sec)",
  "Errors",
];

/** The sweep's (or search's) rows: one per level in the order measured. */
function sweepRows(levels: LevelResult[]): string[][] {
  return levels.map((l) => {
    const s = l.client.tokens;
    const g = s?.goodput;
    const num = (v: number | undefined) =>
      v === undefined || Number.isNaN(v) ? NOT_AVAILABLE : formatGrouped(v);
    const stat = (t: TokenStat | undefined, column: Column) =>
      t === undefined || t.count === 0 ? NOT_AVAILABLE : formatGrouped(cell(t, column));
    return [
      formatLoadValue(l.mode, l.value),
      l.status,
      num(s?.requestThroughput ?? l.client.throughput),
      num(g?.goodput),
      num(g === undefined ? undefined : g.attainment * 100),
      stat(s?.timeToFirstToken, "avg"),
      stat(s?.timeToFirstToken, "p99"),
      stat(s?.interTokenLatency, "avg"),
      stat(s?.requestLatency, "p99"),
      num(s?.outputTokenThroughput),
      String(l.client.errorCount),
    ];
  });
}

/** The sweep as a console table, one row per level measured. */
export function formatSweepConsole(levels: LevelResult[], mode: string): string {
  const header = [
    mode === "concurrency" ? "Concurrency" : "Request Rate",
    ...SWEEP_HEADER.slice(1),
  ];
  const table = drawTable(header, sweepRows(levels), -1);
  return ["NVIDIA GenAI-Perf | Sweep", ...table].join("\n") + "\n";
}

/** The sweep as CSV (sweep_genai_perf.csv). */
export function formatSweepCsv(levels: LevelResult[], mode: string): string {
  const header = [
    mode === "concurrency" ? "Concurrency" : "Request Rate",
    ...SWEEP_HEADER.slice(1),
  ];
  const rows = sweepRows(levels).map((r) => r.map(csvField).join(","));
  return [header.map(csvField).join(","), ...rows].join("\n") + "\n";
}
