/**
 * Turns the load options into what a run needs: the driver that sends (closed-loop slots or an
 * open-loop schedule), the levels to sweep, and how the report names them.
 */
import type { Connector } from "../backend.ts";
import type { Clock } from "../clock.ts";
import type { Range, RunConfig } from "../cli/config.ts";
import { Dispatcher, type DispatchSink, type LoadDriver } from "./dispatcher.ts";
import { RunError } from "../errors.ts";
import { makePacer } from "./pacer.ts";
import { type BatchStart, PeriodicDriver } from "./periodic.ts";
import { RateDispatcher } from "./rate_dispatcher.ts";
import type { RequestSource } from "../data/request_source.ts";
import type { RateSettings } from "../report/format.ts";
import {
  constantSchedule,
  fixedSchedules,
  gammaSchedule,
  intervalSchedule,
  parseIntervals,
  poissonSchedule,
  type Schedule,
} from "./schedule.ts";

export interface LoadPlan {
  mode: "concurrency" | "request_rate";
  /** Levels to sweep; request-intervals is a single level at the file's average rate. */
  range: Range;
  /** Concurrency levels are integers (binary search halves with integer division). */
  integral: boolean;
  /** For the settings banner in request-rate mode. */
  rate?: RateSettings;
  driver: LoadDriver;
  /** Wall time (ns) the pacer spent polling on purpose; 0 in closed-loop and timer modes. */
  spinNs(): number;
  /** Periodic concurrency: each batch as it started (filled while the run goes). */
  batches?: readonly BatchStart[];
}

/** Reads and parses the intervals file; a bad file is a run error naming file and line. */
async function intervalScheduleFrom(
  path: string,
  readTextFile: (path: string) => Promise<string>,
): Promise<Schedule> {
  let text: string;
  try {
    text = await readTextFile(path);
  } catch (e) {
    throw new RunError(`Cannot read --request-intervals file "${path}": ${(e as Error).message}`);
  }
  try {
    return intervalSchedule(parseIntervals(text, path), `"${path}"`);
  } catch (e) {
    throw new RunError((e as Error).message);
  }
}

export async function planLoad(
  config: RunConfig,
  backend: Connector,
  source: RequestSource,
  clock: Clock,
  sink: DispatchSink,
  readTextFile: (path: string) => Promise<string>,
  /** --fixed-schedule: every data entry's timestamp (ms), in send order. */
  timestampsMs: readonly number[] = [],
  /** A distributed worker's stripe of each schedule; the whole schedule otherwise. */
  stripe: (global: Schedule) => Schedule = (global) => global,
): Promise<LoadPlan> {
  if (config.loadMode === "concurrency") {
    const driver = new Dispatcher(backend, source, clock, sink);
    return {
      mode: "concurrency",
      range: config.concurrency,
      integral: true,
      driver,
      spinNs: () => 0,
    };
  }
  if (config.loadMode === "periodic_concurrency") {
    // One experiment, reported as concurrency 1 as perf_analyzer exports it.
    const driver = new PeriodicDriver(
      backend,
      source,
      clock,
      sink,
      config.periodic,
      config.requestPeriod,
    );
    const range = { start: 1, end: 1, step: 1 };
    const batches = driver.batches;
    return { mode: "concurrency", range, integral: true, driver, spinNs: () => 0, batches };
  }
  // perf_analyzer's sync mode keeps at most one request per worker thread in flight.
  const cap = config.async ? config.maxInflight : config.maxThreads;
  const pacer = makePacer(clock, config.pacing);
  const open = (scheduleFor: (rate: number) => Schedule) =>
    new RateDispatcher(
      backend,
      source,
      clock,
      sink,
      (r) => stripe(scheduleFor(r)),
      pacer,
      cap,
      config.overload,
    );
  const spinNs = () => pacer.spinNs;
  if (config.loadMode === "fixed_schedule") {
    const schedules = fixedSchedules(timestampsMs, "the --input-data entries");
    const rate = schedules.rateFrom(Math.min(config.warmupRequestCount, timestampsMs.length - 1));
    const range = { start: rate, end: rate, step: 1 };
    return {
      mode: "request_rate",
      range,
      integral: false,
      driver: open(() => schedules.next()),
      spinNs,
    };
  }
  if (config.loadMode === "request_intervals") {
    const schedule = await intervalScheduleFrom(config.requestIntervalsFile!, readTextFile);
    const range = { start: schedule.rate, end: schedule.rate, step: 1 };
    return { mode: "request_rate", range, integral: false, driver: open(() => schedule), spinNs };
  }
  const seed = config.scheduleSeed;
  const scheduleFor = config.requestDistribution === "poisson"
    ? (rate: number) => poissonSchedule(rate, seed)
    : config.requestDistribution === "gamma"
    ? (rate: number) => gammaSchedule(rate, config.burstiness, seed)
    : constantSchedule;
  return {
    mode: "request_rate",
    range: config.requestRate,
    integral: false,
    rate: {
      range: config.requestRate,
      distribution: config.requestDistribution,
      burstiness: config.burstiness,
    },
    driver: open(scheduleFor),
    spinNs,
  };
}
