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
  /** Resolves after `ms` milliseconds, or at once when `signal` aborts (tests inject a fake). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const systemClock: Clock = {
  nowNs: () => performance.now() * 1e6,
  toEpochNs: (monoNs) => Math.round(performance.timeOrigin * 1e6 + monoNs),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const onAbort = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};
