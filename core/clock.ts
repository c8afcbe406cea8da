/**
 * Monotonic clock in nanoseconds as a float64 number. `performance.now()` in Deno 2 has
 * sub-microsecond resolution; a number (not a bigint) keeps the hot path allocation-free and
 * holds exact integer nanoseconds for ~104 days of process uptime.
 */
export interface Clock {
  /** Monotonic nanoseconds since process start. */
  nowNs(): number;
  /** Converts a monotonic reading to nanoseconds since the Unix epoch (for exports). */
  toEpochNs(monoNs: number): number;
  /** Resolves after `ms` milliseconds (tests inject a fake). */
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  nowNs: () => performance.now() * 1e6,
  toEpochNs: (monoNs) => Math.round(performance.timeOrigin * 1e6 + monoNs),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
