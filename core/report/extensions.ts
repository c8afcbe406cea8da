/**
 * Console lines this tool adds to perf_analyzer's level block (and two of perf_analyzer's own
 * that only open-loop levels print).
 *
 * Open-loop (request-rate) levels: perf_analyzer's own two lines come first:
 * the achieved send rate and its warning when more than 1 % of the requests went out late.
 * Then this tool's additions, which make coordinated omission visible: the service time (what
 * the server and network took) next to the latency (from the intended send time), how late
 * the client itself sent, and what an overloaded server left of the offered load (the rate
 * asked, the rate sent, the requests dropped and the connections opened).
 */
import { formatFixed, usec } from "./format.ts";
import type { ClientStats, LevelResult } from "../measure/results.ts";

/** perf_analyzer warns when more than this share of a level's requests were delayed. */
const DELAYED_WARNING_PCT = 1;

function openLoop(level: LevelResult) {
  return level.mode === "request_rate" ? level.client.openLoop : undefined;
}

function delayedPct(client: ClientStats, delayed: number): number {
  const total = client.requestCount + client.errorCount;
  return total > 0 ? (delayed * 100) / total : 0;
}

/** After "Request count": the send rate and perf_analyzer's falling-behind warning. */
export function openLoopHeadLines(level: LevelResult): string[] {
  const ol = openLoop(level);
  if (!ol) return [];
  const pct = delayedPct(level.client, ol.delayedCount);
  if (pct <= DELAYED_WARNING_PCT) return [];
  return [
    `    Avg send request rate: ${formatFixed(level.client.sendRate, 2)} infer/sec`,
    "    [WARNING] Perf Analyzer was not able to keep up with the desired request rate. " +
    `${formatFixed(pct, 2)}% of the requests were delayed.`,
  ];
}

/** After the latency percentiles: service time, send lateness and the offered load's fate. */
export function openLoopTailLines(level: LevelResult): string[] {
  const ol = openLoop(level);
  if (!ol) return [];
  const s = ol.servicePercentilesNs;
  const l = ol.latenessPercentilesNs;
  const at = (m: Map<number, number>, p: number) => usec(m.get(p) ?? 0);
  return [
    `    Service time (end - actual send): avg ${usec(ol.avgServiceNs)} usec, ` +
    `p50 ${at(s, 50)} usec, p90 ${at(s, 90)} usec, p99 ${at(s, 99)} usec`,
    `    Send lateness (actual - intended send): p50 ${at(l, 50)} usec, ` +
    `p99 ${at(l, 99)} usec, max ${usec(ol.maxLatenessNs)} usec, ` +
    `${formatFixed(delayedPct(level.client, ol.delayedCount), 2)}% over 1 ms`,
    `    Load: offered ${formatFixed(level.value, 2)} req/s, sent ` +
    `${formatFixed(level.client.sendRate, 2)} req/s, ${ol.droppedCount} dropped, ` +
    `${ol.connections} connections`,
  ];
}

/** --stop-rule confidence: the 99 % interval of the latency the level was judged by. */
export function intervalLines(client: ClientStats): string[] {
  const iv = client.interval;
  if (!iv) return [];
  const what = iv.percentile === -1 ? "Avg latency" : `p${iv.percentile} latency`;
  return [
    `    ${what} 99% confidence interval: ${usec(iv.lowNs)} - ${usec(iv.highNs)} usec ` +
    `(${iv.samples} requests)`,
  ];
}
