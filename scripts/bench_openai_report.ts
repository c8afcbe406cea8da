/**
 * The LLM bench's arithmetic and printout (scripts/bench_openai.ts measures): each client's
 * first-token reading matched to the mock's record of the same request, the rows, the targets
 * from issue 18 (our events/s at least 10× the Python client's, TTFT overhead p99 under 200 µs
 * at 256 streams, memory flat), the problems that make a run invalid, and the printed section.
 */
import type { ClientReport } from "./bench_openai_client.ts";
import type { MockRequest } from "./bench_openai_server.ts";
import { REQUEST_ID_PREFIX } from "./bench_openai_client.ts";
import { quantile, round, type Target, TARGET_GROWTH_PCT, targetLine } from "./bench_report.ts";
import type { RssSummary } from "./bench_soak.ts";
import { alignColumns } from "./bench_table.ts";

export const TARGET_EVENTS_RATIO = 10;
export const TARGET_TTFT_OVERHEAD_P99_US = 200;
/** The stream count the TTFT overhead target is set at. */
export const TTFT_TARGET_STREAMS = 256;

export type OpenAiClientName = "ours" | "aiohttp";

/**
 * Where a row's two processes ran: "scheduler", wherever Linux put them; "one-cpu", both pinned
 * to one CPU (see the bench's method text on placement).
 */
export type Placement = "scheduler" | "one-cpu";

/** One client at one stream count against a fresh mock. */
export interface OpenAiRow {
  client: OpenAiClientName;
  placement: Placement;
  /** The CPUs the mock and the client might run on, from /proc (Cpus_allowed_list). */
  mockCpusAllowed: string;
  clientCpusAllowed: string;
  /** The client's own words for what it is (the Python and aiohttp versions). */
  clientDetail: string;
  streams: number;
  seconds: number;
  /** Streams completed in the window. */
  completed: number;
  streamsPerSec: number;
  /** SSE events read in the window ([DONE] included). */
  events: number;
  eventsPerSec: number;
  /** Events per completed stream as the client counted them. */
  eventsPerStream: number;
  /** The mock's count of events per stream (the same for every request). */
  mockEventsPerStream: number;
  /** User + system CPU of the whole client process over the window, per event. */
  cpuUsPerEvent: number;
  /** The client process's CPU over the window, % of one core. */
  clientCpuPct: number;
  /** The mock process's CPU over the window, % of one core: near 100 means it set the pace. */
  mockCpuPct: number;
  /** CPU used by neither client, mock nor the bench script (% of one core): high = noisy row. */
  otherCpuPct: number;
  /**
   * Time the client's and the mock's JavaScript threads were runnable but waiting for a CPU
   * (the kernel's run delay, /proc/<pid>/schedstat), % of the window: the share of TTFT overhead
   * the machine's load adds, since a woken reader waits this long before it can read.
   */
  clientRunWaitPct: number;
  mockRunWaitPct: number;
  peakRssMb: number;
  /** First-token readings matched to the mock's record of the same request. */
  matched: number;
  /** Readings with no such record (any makes the row invalid). */
  unmatched: number;
  /** Client read of the first token minus the mock's write of it, µs. */
  ttftOverheadP50Us: number;
  ttftOverheadP99Us: number;
  ttftOverheadMinUs: number;
  ttftOverheadMaxUs: number;
  /**
   * The client's TTFT (request sent to first token read) minus the mock's (request parsed to
   * first token written), µs: what the client sees beyond the server's own time to first token,
   * each difference on one process's clock.
   */
  ttftExcessP50Us: number;
  ttftExcessP99Us: number;
  failures: number;
  firstError: string;
}

/** The memory-flatness run: our client alone for a long window, its RSS read from /proc. */
export interface OpenAiSoak extends RssSummary {
  streams: number;
  seconds: number;
  completed: number;
  eventsPerSec: number;
  cpuUsPerEvent: number;
  /** VmRSS once a second from spawn (MB). */
  rssSeriesMb: number[];
  failures: number;
  firstError: string;
}

/** The mock's requests by x-request-id, each list in arrival order. */
export function bySlot(mock: MockRequest[]): Map<string, MockRequest[]> {
  const out = new Map<string, MockRequest[]>();
  for (const m of [...mock].sort((a, b) => a.index - b.index)) {
    const list = out.get(m.requestId);
    if (list) list.push(m);
    else out.set(m.requestId, [m]);
  }
  return out;
}

/**
 * Per reading, µs: the client's first-token time minus the mock's first-token write
 * (overheads), and the client's TTFT minus the mock's (excess); `unmatched` counts readings
 * without a mock record that wrote a token. Slot k's n-th request is the n-th request the mock
 * saw with `x-request-id: bench-k` (a slot sends one request at a time).
 */
export function ttftOverheads(
  firstTokens: ClientReport["firstTokens"],
  mock: Map<string, MockRequest[]>,
): { overheadsUs: number[]; excessUs: number[]; unmatched: number } {
  const overheadsUs: number[] = [];
  const excessUs: number[] = [];
  let unmatched = 0;
  for (const [slot, nth, ns, sentNs] of firstTokens) {
    const m = mock.get(`${REQUEST_ID_PREFIX}${slot}`)?.[nth];
    if (m === undefined || m.firstTokenNs < 0) unmatched++;
    else {
      overheadsUs.push((ns - m.firstTokenNs) / 1000);
      excessUs.push((ns - sentNs - (m.firstTokenNs - m.arrivalNs)) / 1000);
    }
  }
  return { overheadsUs, excessUs, unmatched };
}

export interface RowInputs {
  client: OpenAiClientName;
  placement: Placement;
  mockCpusAllowed: string;
  clientCpusAllowed: string;
  report: ClientReport;
  mock: MockRequest[];
  /** The mock process's CPU seconds over the client's window. */
  mockCpuS: number;
  /** CPU seconds of every other process on the machine over the window. */
  otherCpuS: number;
  /** Run-queue wait of the client's and the mock's main threads over the window, seconds. */
  clientWaitS: number;
  mockWaitS: number;
}

export function openAiRow(
  input: RowInputs,
): OpenAiRow {
  const { client, placement, report: r, mock, mockCpuS, otherCpuS, clientWaitS, mockWaitS } = input;
  const { overheadsUs, excessUs, unmatched } = ttftOverheads(r.firstTokens, bySlot(mock));
  const ok = mock.filter((m) => m.status === 200);
  const mockEvents = new Set(ok.map((m) => m.events));
  return {
    client,
    placement,
    mockCpusAllowed: input.mockCpusAllowed,
    clientCpusAllowed: input.clientCpusAllowed,
    clientDetail: r.client,
    streams: r.streams,
    seconds: r.seconds,
    completed: r.completed,
    streamsPerSec: r.completed / r.seconds,
    events: r.events,
    eventsPerSec: r.events / r.seconds,
    eventsPerStream: r.completed > 0 ? r.events / r.completed : NaN,
    // Several values would be a mock that varied; NaN makes that row fail its check.
    mockEventsPerStream: mockEvents.size === 1 ? [...mockEvents][0] : NaN,
    cpuUsPerEvent: (r.cpuS * 1e6) / r.events,
    clientCpuPct: (100 * r.cpuS) / r.seconds,
    mockCpuPct: (100 * mockCpuS) / r.seconds,
    otherCpuPct: Math.max(0, (100 * otherCpuS) / r.seconds),
    clientRunWaitPct: (100 * clientWaitS) / r.seconds,
    mockRunWaitPct: (100 * mockWaitS) / r.seconds,
    peakRssMb: r.peakRssMb,
    matched: overheadsUs.length,
    unmatched,
    ttftOverheadP50Us: quantile(overheadsUs, 0.5),
    ttftOverheadP99Us: quantile(overheadsUs, 0.99),
    // Reduced, not spread: a 5 s row holds ~100k requests, more arguments than a call takes.
    ttftOverheadMinUs: overheadsUs.length > 0 ? overheadsUs.reduce((a, b) => Math.min(a, b)) : NaN,
    ttftOverheadMaxUs: overheadsUs.length > 0 ? overheadsUs.reduce((a, b) => Math.max(a, b)) : NaN,
    ttftExcessP50Us: quantile(excessUs, 0.5),
    ttftExcessP99Us: quantile(excessUs, 0.99),
    failures: r.failures,
    firstError: r.firstError,
  };
}

function label(r: OpenAiRow): string {
  const where = r.placement === "one-cpu" ? " on one CPU" : "";
  return `LLM ${r.client} at ${r.streams} streams${where}`;
}

/** What makes a row unusable: failures, nothing measured, readings the mock cannot confirm. */
export function openAiProblems(rows: OpenAiRow[], soak: OpenAiSoak | null): string[] {
  const problems: string[] = [];
  for (const r of rows) {
    if (r.failures > 0) {
      problems.push(`${label(r)}: ${r.failures} failed streams (first: ${r.firstError})`);
    }
    if (r.completed === 0) problems.push(`${label(r)}: no stream completed in the window`);
    if (r.unmatched > 0) {
      problems.push(`${label(r)}: ${r.unmatched} first-token readings the mock has no record of`);
    }
    if (r.completed > 0 && r.eventsPerStream !== r.mockEventsPerStream) {
      problems.push(
        `${label(r)}: ${round(r.eventsPerStream, 3)} events per stream counted, the mock ` +
          `wrote ${r.mockEventsPerStream}`,
      );
    }
  }
  if (soak && soak.failures > 0) {
    problems.push(`LLM soak: ${soak.failures} failed streams (first: ${soak.firstError})`);
  }
  if (soak && soak.completed === 0) problems.push("LLM soak: no stream completed");
  return problems;
}

export function openAiTargets(rows: OpenAiRow[], soak: OpenAiSoak | null): Target[] {
  const targets: Target[] = [];
  for (const streams of new Set(rows.map((r) => r.streams))) {
    const ours = best(rows, "ours", streams);
    const py = best(rows, "aiohttp", streams);
    if (ours === undefined || py === undefined) continue;
    const ratio = ours.eventsPerSec / py.eventsPerSec;
    const where = ours.placement === py.placement
      ? ""
      : ` (ours ${ours.placement}, Python ${py.placement}: each client's better placement)`;
    targets.push({
      name: `LLM events/s at ${streams} streams, ours / Python asyncio + aiohttp${where}`,
      requirement: `>= ${TARGET_EVENTS_RATIO}×`,
      value: round(ratio, 2),
      unit: "×",
      pass: ratio >= TARGET_EVENTS_RATIO,
    });
  }
  const at = rows.find((r) => r.client === "ours" && r.streams === TTFT_TARGET_STREAMS);
  if (at) {
    targets.push({
      name: `LLM TTFT overhead p99 at ${TTFT_TARGET_STREAMS} streams (client read − mock write)`,
      requirement: `< ${TARGET_TTFT_OVERHEAD_P99_US} µs`,
      value: round(at.ttftOverheadP99Us, 1),
      unit: "µs",
      pass: at.ttftOverheadP99Us < TARGET_TTFT_OVERHEAD_P99_US,
    });
  }
  if (soak) {
    targets.push({
      name: `LLM client RSS peak growth over a ${round(soak.seconds, 0)} s soak at ` +
        `${soak.streams} streams, 2nd quarter to last quarter`,
      requirement: `<= ${TARGET_GROWTH_PCT}% of the 2nd quarter's peak`,
      value: round(soak.peakGrowthPct, 1),
      unit: "%",
      pass: soak.peakGrowthPct <= TARGET_GROWTH_PCT,
    });
  }
  return targets;
}

/** `client`'s row with the most events/s at `streams`, over the placements measured. */
function best(rows: OpenAiRow[], client: OpenAiClientName, streams: number) {
  let found: OpenAiRow | undefined;
  for (const r of rows) {
    if (r.client !== client || r.streams !== streams) continue;
    if (found === undefined || r.eventsPerSec > found.eventsPerSec) found = r;
  }
  return found;
}

export const OPENAI_TITLE = "LLM streaming (chat completions over SSE against the reference " +
  "server's OpenAI mock: zero TTFT and inter-token gaps, 64 tokens a reply):";

const HEADER = [
  "client",
  "streams",
  "CPUs",
  "streams/s",
  "events/s",
  "CPU µs/event",
  "client CPU %",
  "mock CPU %",
  "other CPU %",
  "client wait %",
  "mock wait %",
  "TTFT ovh p50 µs",
  "p99 µs",
  "max µs",
  "TTFT − mock TTFT p50 µs",
  "p99 µs",
  "peak RSS MB",
  "failed",
];

function fixed(x: number, digits: number): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "-";
}

export function openAiLines(
  rows: OpenAiRow[],
  soak: OpenAiSoak | null,
  targets: Target[],
): string[] {
  const cells = [HEADER];
  for (const r of rows) {
    cells.push([
      r.client,
      String(r.streams),
      r.placement === "one-cpu" ? "one" : "any",
      fixed(r.streamsPerSec, 0),
      fixed(r.eventsPerSec, 0),
      fixed(r.cpuUsPerEvent, 2),
      fixed(r.clientCpuPct, 0),
      fixed(r.mockCpuPct, 0),
      fixed(r.otherCpuPct, 0),
      fixed(r.clientRunWaitPct, 0),
      fixed(r.mockRunWaitPct, 0),
      fixed(r.ttftOverheadP50Us, 0),
      fixed(r.ttftOverheadP99Us, 0),
      fixed(r.ttftOverheadMaxUs, 0),
      fixed(r.ttftExcessP50Us, 0),
      fixed(r.ttftExcessP99Us, 0),
      fixed(r.peakRssMb, 1),
      String(r.failures),
    ]);
  }
  const lines = [OPENAI_TITLE, ...alignColumns(cells, 1)];
  const py = rows.find((r) => r.client === "aiohttp");
  if (py) lines.push(`  aiohttp = ${py.clientDetail}`);
  if (rows.some((r) => r.placement === "one-cpu")) {
    lines.push(
      "  CPUs: any = where Linux put the mock and the client; one = both pinned to one CPU",
    );
  }
  if (soak) {
    const s = soak;
    lines.push(
      `LLM memory soak (ours, ${s.streams} streams, ${fixed(s.seconds, 0)} s): ` +
        `${fixed(s.eventsPerSec, 0)} events/s, ${fixed(s.cpuUsPerEvent, 2)} CPU µs/event; ` +
        `RSS MB at 25% ${fixed(s.at25Mb, 1)}, peak ${fixed(s.peakMb, 1)}, end ` +
        `${fixed(s.endMb, 1)}; peak growth 2nd → last quarter ${fixed(s.peakGrowthMb, 1)} MB ` +
        `(${fixed(s.peakGrowthPct, 1)}%)`,
    );
  }
  lines.push(...targets.map(targetLine));
  return lines;
}
