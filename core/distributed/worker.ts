/**
 * One worker of a distributed run, as the run sees it: its share of the configuration, its
 * stripe of the schedules, the common start, the level's place on the shared grid, and the
 * artifact it writes at the end. Nothing here talks to another worker.
 */
import type { ModelInfo } from "../backend.ts";
import type { Clock } from "../clock.ts";
import type { Range, RunConfig } from "../cli/config.ts";
import type { DistributedConfig } from "../cli/distributed.ts";
import { RunError } from "../errors.ts";
import { HISTOGRAM_SETTINGS } from "../measure/histogram.ts";
import type { LevelResult } from "../measure/results.ts";
import { linearLevelCount } from "../measure/sweep.ts";
import type { Window } from "../measure/window.ts";
import type { Schedule } from "../load/schedule.ts";
import {
  ARTIFACT_FORMAT,
  artifactName,
  configHash,
  encodeMetrics,
  encodeWindow,
  type LevelRecord,
  type WindowRecord,
  type WorkerArtifact,
} from "./artifact.ts";
import {
  describeWorker,
  type EnvReader,
  resolveIdentity,
  type WorkerIdentity,
} from "./identity.ts";
import { partSize, segmentText, sequenceText } from "./segment.ts";
import { Stripes } from "./share.ts";
import { STDOUT } from "../report/files.ts";
import { type StartFacts, waitForStart } from "./start.ts";
import { mpirunRank } from "./mpi/ranks.ts";
import { type ClockSync, readClockSync } from "./clock_sync.ts";

/** The worker that reads the server's statistics and metrics (they are global counters). */
export const STATS_WORKER = 0;

export class DistributedWorker {
  readonly stripes: Stripes;
  readonly #flags: DistributedConfig;
  readonly #windowNs: number;
  readonly #closedLoop: boolean;
  #start: StartFacts | undefined;
  #sync: ClockSync | undefined;
  #windows: WindowRecord[] = [];
  readonly #levels: LevelRecord[] = [];

  constructor(readonly identity: WorkerIdentity, config: RunConfig) {
    this.#flags = config.distributed!;
    this.stripes = new Stripes(identity.segmentation);
    this.#windowNs = config.measurementIntervalMs * 1e6;
    this.#closedLoop = config.loadMode === "concurrency";
    this.#refuseEmptyShares(config);
  }

  /**
   * The worker of `config` (which must be distributed), its identity from flags or `env`. The
   * common start is --start-at, or under mpirun a barrier (core/distributed/mpi/ranks.ts); it is
   * checked here, not in the parse, because `merge` parses the arguments of workers that ran
   * under mpirun without one.
   */
  static of(config: RunConfig, env: EnvReader): DistributedWorker {
    if (config.distributed!.startAtMs === undefined && mpirunRank(env) === undefined) {
      throw new RunError(
        "a distributed run needs --start-at <epoch ms>, the common start computed once by the " +
          "launcher (or mpirun, whose ranks start together at a barrier)",
      );
    }
    return new DistributedWorker(resolveIdentity(config.distributed!, env), config);
  }

  get index(): number {
    return this.identity.segmentation.index;
  }

  get name(): string {
    return describeWorker(this.identity.segmentation);
  }

  get statsWorker(): boolean {
    return this.index === STATS_WORKER;
  }

  /**
   * Every worker checks every part, so all of them refuse together: a part with nothing to
   * send would leave its artifact without a level and the run without that worker.
   */
  #refuseEmptyShares(config: RunConfig): void {
    const check = (what: string, total: number) => {
      for (let part = 0; part < this.stripes.parts; part++) {
        if (this.stripes.share(total, part) === 0) {
          throw new RunError(
            `${what} ${total} over ${this.stripes.parts} workers leaves ` +
              `${describeWorker(this.identity.segmentation, part)} nothing to send; give at ` +
              `least ${this.stripes.parts} or use fewer workers.`,
          );
        }
      }
    };
    if (this.#closedLoop) check("Concurrency", config.concurrency.start);
    if (config.requestCount > 0) check("--request-count", config.requestCount);
  }

  /**
   * The configuration this worker runs: its share of the request counts, its own piece of
   * the sequence ids, and the server's metrics scraped by the stats worker only.
   */
  shareConfig(config: RunConfig): RunConfig {
    const [sequenceIdStart, sequenceIdEnd] = this.stripes.subrange(
      config.sequenceIdStart,
      config.sequenceIdEnd,
    );
    return {
      ...config,
      requestCount: this.stripes.share(config.requestCount),
      measurementRequestCount: config.requestCount > 0
        ? this.stripes.share(config.requestCount)
        : config.measurementRequestCount,
      warmupRequestCount: this.stripes.share(config.warmupRequestCount),
      sequenceIdStart,
      sequenceIdEnd,
      collectMetrics: config.collectMetrics && this.statsWorker,
    };
  }

  /** This worker's stripe of a global schedule. */
  readonly stripe = (global: Schedule): Schedule => this.stripes.stripe(global);

  /** What this worker runs of the level `value`: its share of a concurrency; a rate is striped. */
  levelValue(value: number): number {
    return this.#closedLoop ? this.stripes.share(value) : value;
  }

  /** Waits for --start-at, or for `together` (mpirun's barrier); the shared grid starts then. */
  async start(clock: Clock, together?: (clock: Clock) => Promise<StartFacts>): Promise<void> {
    // Read before the wait, which it must not delay: the state the start was computed under.
    this.#sync = readClockSync();
    this.#start = together !== undefined
      ? await together(clock)
      : await waitForStart(this.#flags.startAtMs!, this.#flags.lateToleranceMs, clock);
  }

  /** Level `i` of the sweep starts after i levels of --dist-windows windows each. */
  levelStartNs(i: number): number {
    return this.#start!.t0Ns + i * this.#flags.windows * this.#windowNs;
  }

  /** MeasureDeps.observe: keeps each closed window, on the grid's time. */
  readonly observe = (trial: number, window: Window): void => {
    this.#windows.push(encodeWindow(window, trial, this.#start!.t0Ns));
  };

  /** Files the windows observed since the last level under `level`. */
  levelDone(level: LevelResult, globalValue: number): void {
    const share = this.#closedLoop
      ? level.value
      : globalValue * fractionOf(partSize(this.identity.segmentation, this.index));
    const record: LevelRecord = {
      mode: level.mode,
      value: globalValue,
      share,
      windows: this.#windows,
    };
    if (this.statsWorker && level.server !== undefined) record.server = level.server;
    if (this.statsWorker && level.metrics !== undefined) {
      record.metrics = encodeMetrics(level.metrics);
    }
    this.#levels.push(record);
    this.#windows = [];
  }

  /** The levels of a linear sweep, all measured whatever their local verdict. */
  static levels(range: Range): number[] {
    const n = linearLevelCount(range) ?? 0;
    return Array.from({ length: n }, (_, i) => range.start + i * range.step);
  }

  async artifact(
    config: RunConfig,
    argv: readonly string[],
    model: ModelInfo,
    serverStats: boolean,
  ): Promise<WorkerArtifact> {
    const hash = await configHash(config);
    const s = this.identity.segmentation;
    const start = this.#start!;
    let host = "unknown";
    try {
      host = Deno.hostname();
    } catch {
      // No --allow-sys=hostname: the artifact says "unknown" rather than failing the run.
    }
    return {
      format: ARTIFACT_FORMAT,
      runId: this.#flags.runId ?? `run-${hash.slice(0, 12)}`,
      configHash: hash,
      argv: [...argv],
      worker: {
        index: this.index,
        count: this.identity.count,
        segment: segmentText(s),
        sequence: sequenceText(s),
        host,
        engine: this.identity.engine,
        rankEnv: this.identity.rankEnv,
      },
      clock: {
        mode: start.mode,
        startAtMs: start.startAtMs,
        actualStartMs: start.actualStartMs,
        lateNs: start.lateNs,
        sync: this.#sync,
      },
      histogram: HISTOGRAM_SETTINGS,
      windowNs: this.#windowNs,
      windowsPerLevel: this.#flags.windows,
      model,
      serverStats: serverStats && this.statsWorker,
      levels: this.#levels,
    };
  }

  /** Where the artifact goes: --dist-out/worker-<index>.json, or STDOUT ("-"), framed. */
  get path(): string {
    const out = this.#flags.out!;
    return out === STDOUT ? STDOUT : `${out.replace(/\/+$/, "")}/${artifactName(this.index)}`;
  }
}

function fractionOf(f: { num: number; den: number }): number {
  return f.num / f.den;
}
