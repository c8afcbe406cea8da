/**
 * --enable-mpi, perf_analyzer's multi-model mode: every rank of one mpirun job profiles its own
 * model (Model Analyzer's `mpiexec -n 1 perf_analyzer -m A … : -n 1 perf_analyzer -m B …`), the
 * ranks start and finish profiling together, and a level ends for all of them at once: when every
 * rank is stable, or when one rank must stop (its windows ran out, its latency limit or error
 * limit was hit, Ctrl-C). So each model is measured while the others load the server.
 */
import { RunError } from "../../errors.ts";
import { initMpi, type MpiWorld } from "./ffi.ts";

/** What the profiler asks of the other ranks; absent in a run of one process. */
export interface RankGroup {
  /** Resolves once every rank has called it (before and after profiling). */
  barrier(): Promise<void>;
  /**
   * Called by every rank after each window, with its own verdict: resolves true when the level
   * ends for all ranks (every rank stable, or one that must stop).
   */
  levelDone(stable: boolean, mustStop: boolean): Promise<boolean>;
}

/**
 * One rank's vote, reduced by minimum in a single one-int allreduce: any MUST_STOP ends the
 * level, all STABLE end it, anything else measures another window.
 */
const MUST_STOP = 0;
const GOING_ON = 1;
const STABLE = 2;

export function rankGroup(world: Pick<MpiWorld, "barrier" | "allMin">): RankGroup {
  return {
    barrier: () => world.barrier(),
    async levelDone(stable, mustStop) {
      const vote = mustStop ? MUST_STOP : stable ? STABLE : GOING_ON;
      return (await world.allMin(vote)) !== GOING_ON;
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

/** This process's place in an --enable-mpi job, and how it leaves it. */
export interface MpiSession {
  ranks: RankGroup;
  /**
   * Leaves the job: MPI_Finalize after a run that reached its end (whatever its exit code), or
   * MPI_Abort with `code` after a failure, which ends every rank at once with that code instead
   * of leaving them waiting at a barrier this rank will never reach.
   */
  leave(code: number, failed: boolean): void;
}

/** Joins the mpirun job this process was started in; refuses outside one. */
export function joinMpi(): MpiSession {
  if (mpirunRank() === undefined) throw notUnderMpirun();
  const world = initMpi();
  return {
    ranks: rankGroup(world),
    leave: (code, failed) => failed ? world.abort(code) : world.finalize(),
  };
}
