/**
 * The ranks of one mpirun job, as a run sees them. Two uses:
 *
 * - --enable-mpi, perf_analyzer's multi-model mode: every rank profiles its own model (Model
 *   Analyzer's `mpiexec -n 1 perf_analyzer -m A … : -n 1 perf_analyzer -m B …`), the ranks start
 *   and finish profiling together, and a level ends for all of them at once: when every rank is
 *   stable, or when one rank must stop (its windows ran out, its latency limit or error limit was
 *   hit, Ctrl-C). So each model is measured while the others load the server.
 * - A distributed run under mpirun (distribution flags, no --enable-mpi): each rank is one
 *   worker (its index is the rank), the shared window grid starts when the ranks leave a barrier
 *   instead of at --start-at, and after a last barrier rank 0 merges the artifacts itself.
 */
import type { Clock } from "../../clock.ts";
import { RunError } from "../../errors.ts";
import { sleepUntil, type StartFacts } from "../start.ts";
import { initMpi, type MpiWorld } from "./ffi.ts";

/** What a run asks of the other ranks; absent in a run of one process. */
export interface RankGroup {
  readonly rank: number;
  /** Resolves once every rank has called it (before and after profiling). */
  barrier(): Promise<void>;
  /**
   * Called by every rank after each window, with its own verdict: resolves true when the level
   * ends for all ranks (every rank stable, or one that must stop).
   */
  levelDone(stable: boolean, mustStop: boolean): Promise<boolean>;
  /** A distributed run's common start: the barrier, then a short margin on every rank. */
  gridStart(clock: Clock): Promise<StartFacts>;
}

/**
 * One rank's vote, reduced by minimum in a single allreduce of one number: any MUST_STOP ends
 * the level, all STABLE end it, anything else measures another window.
 */
const MUST_STOP = 0;
const GOING_ON = 1;
const STABLE = 2;

/**
 * From the barrier's release to the grid's start: time for the allreduce that names the start
 * (about a millisecond) so no rank begins its first window late.
 */
const START_MARGIN_MS = 50;

export function rankGroup(
  world: Pick<MpiWorld, "rank" | "barrier" | "allReduce">,
  epochMs: () => number = Date.now,
): RankGroup {
  return {
    rank: world.rank,
    barrier: () => world.barrier(),
    async levelDone(stable, mustStop) {
      const vote = mustStop ? MUST_STOP : stable ? STABLE : GOING_ON;
      return (await world.allReduce(vote, "min")) !== GOING_ON;
    },
    async gridStart(clock) {
      await world.barrier();
      // Each rank's grid starts on its own monotonic clock, the margin after its release, so
      // the ranks start within the barrier's skew whatever their wall clocks say.
      const t0Ns = clock.nowNs() + START_MARGIN_MS * 1e6;
      const releasedMs = epochMs();
      // The artifacts name one start (merge checks that they agree): the latest rank's clock.
      const startAtMs = (await world.allReduce(releasedMs, "max")) + START_MARGIN_MS;
      await sleepUntil(clock, t0Ns);
      return {
        mode: "mpi-barrier",
        startAtMs,
        actualStartMs: releasedMs + START_MARGIN_MS,
        lateNs: 0,
        t0Ns,
      };
    },
  };
}

/** Set by mpirun/mpiexec (Open MPI) in every process it starts. */
export const RANK_ENV = "OMPI_COMM_WORLD_RANK";
const SIZE_ENV = "OMPI_COMM_WORLD_SIZE";

/** The rank and size mpirun gave this process, or undefined when it was not started by one. */
export function mpirunRank(
  env: (name: string) => string | undefined = (n) => Deno.env.get(n),
): { rank: number; size: number } | undefined {
  const rank = env(RANK_ENV);
  const size = env(SIZE_ENV);
  if (rank === undefined || size === undefined) return undefined;
  return { rank: Number(rank), size: Number(size) };
}

/** The refusal of --enable-mpi outside mpirun (a lone process would be a world of one). */
export function notUnderMpirun(): RunError {
  return new RunError(
    `--enable-mpi needs to run under Open MPI's mpirun or mpiexec (${RANK_ENV} is not set), one ` +
      "process per model, for example: mpirun -n 1 perf_analyzer --enable-mpi -m A -u HOST : " +
      "-n 1 perf_analyzer --enable-mpi -m B -u HOST",
  );
}

/** This process's place in an mpirun job, and how it leaves it. */
export interface MpiSession {
  ranks: RankGroup;
  /**
   * Leaves the job: MPI_Finalize after a run that reached its end (whatever its exit code), or
   * MPI_Abort with `code` after a failure, which ends every rank at once with that code instead
   * of leaving them waiting at a barrier this rank will never reach.
   */
  leave(code: number, failed: boolean): void;
}

/**
 * Joins the mpirun job this process was started in: for --enable-mpi (refused outside one), or
 * for a distributed run that finds itself under one (undefined outside).
 */
export function joinMpi(config: { enableMpi: boolean; distributed?: unknown }):
  | MpiSession
  | undefined {
  const under = mpirunRank() !== undefined;
  if (config.enableMpi && !under) throw notUnderMpirun();
  if (!config.enableMpi && (config.distributed === undefined || !under)) return undefined;
  const world = initMpi();
  return {
    ranks: rankGroup(world),
    leave: (code, failed) => failed ? world.abort(code) : world.finalize(),
  };
}

/**
 * The end of a distributed run under mpirun: once every rank has written its artifact (the last
 * barrier), rank 0 merges them (a folder all ranks share) and its exit code is the merged run's.
 */
export async function mergeOnRankZero(
  ranks: RankGroup,
  code: number,
  merge: () => Promise<number>,
): Promise<number> {
  await ranks.barrier();
  return ranks.rank === 0 && code === 0 ? await merge() : code;
}
