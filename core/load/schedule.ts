/**
 * Open-loop schedules: pure, seeded generators of intended send times, one kind per function,
 * one contract. A schedule knows nothing about clocks or sending; the rate dispatcher adds the
 * level's start time and keeps each request to its offset.
 */
import { SeededRandom } from "./random.ts";

export interface Schedule {
  /** Average requests per second asked for (the level's reported value). */
  readonly rate: number;
  /** Offset in ns from the level's start of the next request; never runs out. */
  next(): number;
  describe(): string;
}

/** perf_analyzer's default: one request every 1/rate seconds. */
export function constantSchedule(rate: number): Schedule {
  checkRate(rate);
  const intervalNs = 1e9 / rate;
  let i = 0;
  return {
    rate,
    // Multiplying instead of summing keeps offsets exact however long the run.
    next: () => i++ * intervalNs,
    describe: () => `constant: one request every ${formatNs(intervalNs)}`,
  };
}

/** Exponential gaps with mean 1/rate (a Poisson process), the same for the same seed. */
export function poissonSchedule(rate: number, seed: number): Schedule {
  checkRate(rate);
  const random = new SeededRandom(seed);
  const meanNs = 1e9 / rate;
  let at = 0;
  return {
    rate,
    next: () => {
      const now = at;
      // 1 − u is in (0, 1], so the logarithm is finite.
      at += -Math.log(1 - random.nextFloat()) * meanNs;
      return now;
    },
    describe: () => `poisson: mean gap ${formatNs(meanNs)}, seed ${seed}`,
  };
}

/**
 * Gamma-distributed gaps with mean 1/rate and shape `burstiness` (vLLM's --burstiness): 1 is the
 * Poisson process, below 1 burstier (clustered sends, long pauses), above 1 more even. The
 * coefficient of variation of the gaps is 1/√burstiness. Same seed, same schedule.
 */
export function gammaSchedule(rate: number, burstiness: number, seed: number): Schedule {
  checkRate(rate);
  if (!(burstiness > 0) || !Number.isFinite(burstiness)) {
    throw new RangeError(`Cannot use a gamma shape (burstiness) of ${burstiness}: it must be > 0`);
  }
  const random = new SeededRandom(seed);
  const meanNs = 1e9 / rate;
  const scaleNs = meanNs / burstiness;
  let at = 0;
  return {
    rate,
    next: () => {
      const now = at;
      at += gammaDraw(random, burstiness) * scaleNs;
      return now;
    },
    describe: () => `gamma: mean gap ${formatNs(meanNs)}, burstiness ${burstiness}, seed ${seed}`,
  };
}

/** A standard normal draw (Box-Muller; 1 − u is in (0, 1], so the logarithm is finite). */
function normalDraw(random: SeededRandom): number {
  const r = Math.sqrt(-2 * Math.log(1 - random.nextFloat()));
  return r * Math.cos(2 * Math.PI * random.nextFloat());
}

/**
 * A Gamma(shape, 1) draw: Marsaglia and Tsang's squeeze for shape >= 1; below 1, a draw for
 * shape + 1 times u^(1/shape).
 */
function gammaDraw(random: SeededRandom, shape: number): number {
  if (shape < 1) {
    return gammaDraw(random, shape + 1) * Math.pow(1 - random.nextFloat(), 1 / shape);
  }
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = normalDraw(random);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - random.nextFloat();
    if (u < 1 - 0.0331 * x ** 4) return d * v;
    if (Math.log(u) < 0.5 * x * x + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Replays the given gaps (ns) in a loop: the first request at 0, then each gap in turn. */
export function intervalSchedule(gapsNs: readonly number[], source: string): Schedule {
  const total = gapsNs.reduce((s, g) => s + g, 0);
  if (gapsNs.length === 0 || !(total > 0)) {
    throw new RangeError(`Cannot use ${source}: the intervals must add up to more than 0`);
  }
  let i = 0;
  let at = 0;
  return {
    rate: (gapsNs.length * 1e9) / total,
    next: () => {
      const now = at;
      at += gapsNs[i];
      i = i + 1 === gapsNs.length ? 0 : i + 1;
      return now;
    },
    describe: () => `intervals from ${source}: ${gapsNs.length} gaps, looped`,
  };
}

/**
 * --fixed-schedule: each data entry's own send time (ms from the start), replayed once. Every
 * schedule made (warmup first, then the measurement) continues where the previous one stopped
 * and counts from its own first entry, so warmup runs the first N entries as their own
 * schedule (docs/perf_analyzer.md §2.7) and the measurement starts at once with the rest.
 */
export function fixedSchedules(timestampsMs: readonly number[], source: string) {
  for (let i = 0; i < timestampsMs.length; i++) {
    const t = timestampsMs[i];
    if (!Number.isFinite(t) || t < 0 || (i > 0 && t < timestampsMs[i - 1])) {
      throw new RangeError(
        `Cannot use ${source} with --fixed-schedule: entry ${i} has timestamp ${t}; ` +
          "timestamps must be numbers of ms >= 0 that never decrease",
      );
    }
  }
  let cursor = 0;
  /** Average rate of the entries from `from` on (0 when they all share one time). */
  const rateFrom = (from: number) => {
    const spanMs = timestampsMs[timestampsMs.length - 1] - timestampsMs[from];
    return spanMs > 0 ? ((timestampsMs.length - from - 1) * 1000) / spanMs : 0;
  };
  return {
    rateFrom,
    next(): Schedule {
      const first = cursor;
      const baseMs = timestampsMs[Math.min(first, timestampsMs.length - 1)];
      return {
        rate: rateFrom(Math.min(first, timestampsMs.length - 1)),
        next: () => {
          // Past the last entry the request cap has already stopped the sender.
          const i = Math.min(cursor++, timestampsMs.length - 1);
          return (timestampsMs[i] - baseMs) * 1e6;
        },
        describe: () => `fixed schedule from ${source}: entries ${first} onwards`,
      };
    },
  };
}

function checkRate(rate: number): void {
  if (!(rate > 0) || !Number.isFinite(rate)) {
    throw new RangeError(`Cannot schedule a request rate of ${rate}: it must be > 0`);
  }
}

function formatNs(ns: number): string {
  return ns >= 1e6 ? `${(ns / 1e6).toPrecision(4)} ms` : `${(ns / 1e3).toPrecision(4)} us`;
}

/**
 * Parses a --request-intervals file: one gap in microseconds per line (blank lines skipped),
 * perf_analyzer's format. Returns the gaps in ns.
 */
export function parseIntervals(text: string, path: string): number[] {
  const gaps: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === "") continue;
    if (!/^\d+$/.test(line)) {
      throw new SyntaxError(
        `Cannot parse --request-intervals file "${path}": line ${i + 1} ("${line}") is not a ` +
          `whole number of microseconds`,
      );
    }
    gaps.push(Number(line) * 1000);
  }
  if (gaps.length === 0) {
    throw new SyntaxError(`Cannot parse --request-intervals file "${path}": it has no intervals`);
  }
  return gaps;
}
