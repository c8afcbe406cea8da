/**
 * The live progress line: on a terminal, one line per load level that rewrites itself a few
 * times a second (window, throughput, p50/p99, errors, elapsed) and is erased when the level's
 * report prints, so the final output is exactly perf_analyzer's. It goes to stderr and only
 * when stderr is a terminal, so piped or parsed output never sees a control character.
 */
import type { LiveWindow } from "../measure/level.ts";

export interface ProgressDeps {
  write(text: string): void;
  nowNs(): number;
  /** Terminal width; the line is cut to fit so it never wraps (a wrapped line cannot be erased). */
  columns(): number;
  /** The window being filled, or undefined between windows. */
  live(): LiveWindow | undefined;
  batchSize: number;
  /** How often the line is redrawn. */
  intervalMs?: number;
}

/** Carriage return, then erase the whole line (ECMA-48 EL 2). */
export const ERASE_LINE = "\r\x1b[2K";

const DEFAULT_INTERVAL_MS = 250;

function usecText(ns: number): string {
  return `${Math.trunc(ns / 1000)} usec`;
}

/** The line's text for one snapshot (pure, so tests check it without a terminal). */
export function progressText(
  label: string,
  live: LiveWindow | undefined,
  nowNs: number,
  levelStartNs: number,
  batchSize: number,
): string {
  const elapsed = `${((nowNs - levelStartNs) / 1e9).toFixed(1)} s`;
  if (!live) return `${label} | starting | ${elapsed}`;
  const windowNs = nowNs - live.startNs;
  const rate = windowNs > 0 ? (live.requestCount * batchSize * 1e9) / windowNs : 0;
  return [
    label,
    `window ${live.window}/${live.maxWindows}`,
    `${rate.toFixed(1)} infer/sec`,
    `p50 ${usecText(live.p50Ns)}`,
    `p99 ${usecText(live.p99Ns)}`,
    `errors ${live.errorCount}`,
    elapsed,
  ].join(" | ");
}

export class ProgressLine {
  #timer: ReturnType<typeof setInterval> | undefined;
  #label = "";
  #startNs = 0;

  constructor(private readonly deps: ProgressDeps) {}

  /** Starts redrawing the line for a level ("Concurrency 4", "Request rate 200"). */
  start(label: string): void {
    this.stop();
    this.#label = label;
    this.#startNs = this.deps.nowNs();
    this.draw();
    this.#timer = setInterval(() => this.draw(), this.deps.intervalMs ?? DEFAULT_INTERVAL_MS);
  }

  draw(): void {
    const d = this.deps;
    const text = progressText(this.#label, d.live(), d.nowNs(), this.#startNs, d.batchSize);
    d.write(ERASE_LINE + text.slice(0, Math.max(d.columns() - 1, 0)));
  }

  /** Erases the line; the level's report takes its place. Safe to call when not started. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.deps.write(ERASE_LINE);
  }
}

/** The label perf_analyzer would use for the level, short form. */
export function levelLabel(mode: "concurrency" | "request_rate", value: number): string {
  return mode === "concurrency" ? `Concurrency ${value}` : `Request rate ${value}`;
}
