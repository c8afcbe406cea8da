/**
 * The live progress line: on a terminal, one line per load level that rewrites itself a few
 * times a second (level N of M and the time left, window, throughput, p50/p99, errors, how far
 * apart the last windows are, elapsed) and is erased when the level's
 * report prints, so the final output is exactly perf_analyzer's. It goes to stderr and only
 * when stderr is a terminal, so piped or parsed output never sees a control character.
 */
import type { LiveWindow } from "../measure/level.ts";
import { STABILITY_WINDOWS } from "../measure/stability.ts";

export interface ProgressDeps {
  write(text: string): void;
  nowNs(): number;
  /** Terminal width; the line is cut to fit so it never wraps (a wrapped line cannot be erased). */
  columns(): number;
  /** The window being filled, or undefined between windows. */
  live(): LiveWindow | undefined;
  batchSize: number;
  /** Levels the sweep will measure, when known in advance (a linear sweep with an end). */
  levels?: number;
  /** How often the line is redrawn. */
  intervalMs?: number;
}

/** Where the sweep stands: the level being measured (1-based) and the time left, if known. */
export interface SweepPosition {
  level: number;
  levels?: number;
  etaNs?: number;
}

/** Carriage return, then erase the whole line (ECMA-48 EL 2). */
export const ERASE_LINE = "\r\x1b[2K";

const DEFAULT_INTERVAL_MS = 250;

function usecText(ns: number): string {
  return `${Math.trunc(ns / 1000)} usec`;
}

/** "42 s", "3 min 05 s", "1 h 02 min": coarse enough to read at a glance. */
export function durationText(ns: number): string {
  const s = Math.max(0, Math.round(ns / 1e9));
  if (s < 60) return `${s} s`;
  const pad = (n: number) => String(n).padStart(2, "0");
  if (s < 3600) return `${Math.floor(s / 60)} min ${pad(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${pad(Math.floor((s % 3600) / 60))} min`;
}

function percentText(fraction: number): string {
  return `${(fraction * 100).toFixed(1)}%`;
}

/** The line's text for one snapshot (pure, so tests check it without a terminal). */
export function progressText(
  label: string,
  live: LiveWindow | undefined,
  nowNs: number,
  levelStartNs: number,
  batchSize: number,
  position?: SweepPosition,
): string {
  const parts = [label];
  if (position) {
    parts.push(`level ${position.level}${position.levels ? `/${position.levels}` : ""}`);
    if (position.etaNs !== undefined) parts.push(`ETA ${durationText(position.etaNs)}`);
  }
  const elapsed = `${((nowNs - levelStartNs) / 1e9).toFixed(1)} s`;
  if (!live) return [...parts, "starting", elapsed].join(" | ");
  const windowNs = nowNs - live.startNs;
  const rate = windowNs > 0 ? (live.requestCount * batchSize * 1e9) / windowNs : 0;
  parts.push(
    `window ${live.window}/${live.maxWindows}`,
    `${rate.toFixed(1)} infer/sec`,
    `p50 ${usecText(live.p50Ns)}`,
    `p99 ${usecText(live.p99Ns)}`,
    `errors ${live.errorCount}`,
  );
  // max / min − 1 of the last windows, what the stability threshold (-s) is checked against.
  if (live.spread) {
    parts.push(
      `spread ${percentText(live.spread.throughput)} tput, ${percentText(live.spread.latency)} lat`,
    );
  }
  parts.push(elapsed);
  return parts.join(" | ");
}

export class ProgressLine {
  #timer: ReturnType<typeof setInterval> | undefined;
  #label = "";
  #startNs = 0;
  /** Levels started so far, and the time the finished ones took (for the ETA). */
  #level = 0;
  #finished = 0;
  #finishedNs = 0;

  constructor(private readonly deps: ProgressDeps) {}

  /** Starts redrawing the line for a level ("Concurrency 4", "Request rate 200"). */
  start(label: string): void {
    this.stop();
    this.#label = label;
    this.#startNs = this.deps.nowNs();
    this.#level++;
    this.draw();
    this.#timer = setInterval(() => this.draw(), this.deps.intervalMs ?? DEFAULT_INTERVAL_MS);
  }

  /**
   * The level number and, when the sweep's length is known, the time left: the levels not yet
   * finished at the finished levels' average, less this one's time so far. Before any level
   * has finished, a level is taken as the stability rule's three windows at the length of the
   * windows closed so far (so from the second window on).
   */
  #position(nowNs: number, live: LiveWindow | undefined): SweepPosition {
    const levels = this.deps.levels;
    const position: SweepPosition = { level: this.#level, levels };
    if (levels === undefined) return position;
    let perLevel: number | undefined;
    if (this.#finished > 0) perLevel = this.#finishedNs / this.#finished;
    else if (live && live.window > 1) {
      const windowNs = (live.startNs - this.#startNs) / (live.window - 1);
      perLevel = Math.max(STABILITY_WINDOWS, live.window) * windowNs;
    }
    if (perLevel !== undefined) {
      const left = (levels - this.#finished) * perLevel - (nowNs - this.#startNs);
      position.etaNs = Math.max(0, left);
    }
    return position;
  }

  draw(): void {
    const d = this.deps;
    const now = d.nowNs();
    const live = d.live();
    const position = this.#position(now, live);
    const text = progressText(this.#label, live, now, this.#startNs, d.batchSize, position);
    d.write(ERASE_LINE + text.slice(0, Math.max(d.columns() - 1, 0)));
  }

  /** Erases the line; the level's report takes its place. Safe to call when not started. */
  stop(): void {
    if (this.#timer === undefined) return;
    clearInterval(this.#timer);
    this.#timer = undefined;
    this.#finished++;
    this.#finishedNs += this.deps.nowNs() - this.#startNs;
    this.deps.write(ERASE_LINE);
  }
}

/** The label perf_analyzer would use for the level, short form. */
export function levelLabel(mode: "concurrency" | "request_rate", value: number): string {
  return mode === "concurrency" ? `Concurrency ${value}` : `Request rate ${value}`;
}
