/**
 * The common start without a coordinator: the launcher computes one instant (--start-at, epoch
 * ms) and every worker starts its level clock then. The wall clock is read once, to turn that
 * instant into this process's monotonic time; from there on everything is monotonic and
 * relative to it, so a wall-clock step during the run moves nothing.
 */
import type { Clock } from "../clock.ts";
import { RunError } from "../errors.ts";

export interface StartFacts {
  /** How the workers agreed on the start: a wall-clock instant, or an MPI barrier. */
  mode: "start-at" | "mpi-barrier";
  startAtMs: number;
  /** Epoch ms when this worker was ready to start (after startAtMs when it was late). */
  actualStartMs: number;
  /** How late the worker was ready, ns (0 when it waited). */
  lateNs: number;
  /** --start-at on this process's monotonic clock: the origin of the shared window grid. */
  t0Ns: number;
}

/**
 * Sleeps until `startAtMs`. A worker ready later than `toleranceMs` past it refuses to run (its
 * share of the first windows would be missing); one late within the tolerance starts at once,
 * on the shared grid, and records how late it was.
 */
export async function waitForStart(
  startAtMs: number,
  toleranceMs: number,
  clock: Clock,
  epochMs: () => number = Date.now,
): Promise<StartFacts> {
  const readyMs = epochMs();
  const t0Ns = clock.nowNs() + (startAtMs - readyMs) * 1e6;
  const lateMs = readyMs - startAtMs;
  if (lateMs > toleranceMs) {
    throw new RunError(
      `missed the start: ready ${lateMs} ms after --start-at ${startAtMs}, more than ` +
        `--dist-late-tolerance ${toleranceMs} ms. Give the workers more time before --start-at ` +
        "(or check this host's clock).",
    );
  }
  await sleepUntil(clock, t0Ns);
  return {
    mode: "start-at",
    startAtMs,
    actualStartMs: Math.max(readyMs, startAtMs),
    lateNs: Math.max(0, lateMs * 1e6),
    t0Ns,
  };
}

/** Sleeps until the monotonic instant `ns` (at once when it has passed). */
export async function sleepUntil(clock: Clock, ns: number, signal?: AbortSignal): Promise<void> {
  const ms = (ns - clock.nowNs()) / 1e6;
  if (ms > 0) await clock.sleep(ms, signal);
}
