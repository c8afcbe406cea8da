/**
 * Who this worker is among the run's workers: from --worker-index/--worker-count, from k6's
 * --execution-segment, or from the variables the engine that started it sets (Open MPI, MPICH's
 * hydra, Slurm, a Kubernetes Indexed Job). No worker asks another: the identity is all a worker
 * needs to compute its share of the load.
 */
import { UsageError } from "../errors.ts";
import { evenSegmentation, parseSegmentation, type Segmentation, segmentText } from "./segment.ts";

/** Reads one environment variable (Deno.env.get in the CLI, a record in tests). */
export type EnvReader = (name: string) => string | undefined;

export type Engine = "flags" | "segment" | "mpi" | "slurm" | "k8s";

/** What the engine's variables say: this process's rank and, when they tell, the world size. */
export interface EngineRank {
  engine: "mpi" | "slurm" | "k8s";
  rank: number;
  /** Undefined for a Kubernetes Indexed Job: it exposes the index, not the completions. */
  size: number | undefined;
  /** The variables read, as found, for the artifact. */
  vars: Record<string, string>;
}

/** Rank and size variables, in the order they are trusted (mpirun inside sbatch sets both). */
const ENGINES: readonly [EngineRank["engine"], string, string | undefined][] = [
  ["mpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE"],
  ["mpi", "PMI_RANK", "PMI_SIZE"],
  ["slurm", "SLURM_PROCID", "SLURM_NTASKS"],
  ["k8s", "JOB_COMPLETION_INDEX", undefined],
];

function wholeNumber(name: string, text: string): number {
  if (!/^\d+$/.test(text)) {
    throw new UsageError(`The environment variable ${name}="${text}" is not a whole number.`);
  }
  return Number(text);
}

/**
 * The rank (and size) of this process from the launching engine's environment, or undefined
 * when no engine set them. Also what the MPI binding calls to learn its place before MPI_Init.
 */
export function rankFromEnvironment(env: EnvReader): EngineRank | undefined {
  for (const [engine, rankVar, sizeVar] of ENGINES) {
    const rank = env(rankVar);
    if (rank === undefined) continue;
    const vars: Record<string, string> = { [rankVar]: rank };
    let size: number | undefined;
    if (sizeVar !== undefined) {
      const text = env(sizeVar);
      if (text === undefined) {
        throw new UsageError(`${rankVar} is set but ${sizeVar} is not.`);
      }
      vars[sizeVar] = text;
      size = wholeNumber(sizeVar, text);
    }
    return { engine, rank: wholeNumber(rankVar, rank), size, vars };
  }
  return undefined;
}

/** The distribution flags as given on the command line. */
export interface IdentityFlags {
  workerIndex?: number;
  workerCount?: number;
  segment?: string;
  sequence?: string;
}

export interface WorkerIdentity {
  /** This worker's part (its index is the artifact's worker-<index>.json). */
  segmentation: Segmentation;
  /** Parts in the sequence: the number of artifacts a complete run has. */
  count: number;
  engine: Engine;
  /** The engine variables the identity came from, recorded in the artifact. */
  rankEnv: Record<string, string>;
}

function even(
  index: number,
  count: number,
  engine: Engine,
  rankEnv: Record<string, string>,
): WorkerIdentity {
  if (!(count >= 1) || !(index >= 0 && index < count)) {
    throw new UsageError(`Worker index ${index} is outside 0..${count - 1} (${count} workers).`);
  }
  return { segmentation: evenSegmentation(index, count), count, engine, rankEnv };
}

/**
 * The identity from the flags, else from the engine's variables. --worker-count given with an
 * engine that also states the size must agree with it.
 */
export function resolveIdentity(flags: IdentityFlags, env: EnvReader): WorkerIdentity {
  if (flags.segment !== undefined) {
    const segmentation = parseSegmentation(flags.segment, flags.sequence);
    return {
      segmentation,
      count: segmentation.sequence.length - 1,
      engine: "segment",
      rankEnv: {},
    };
  }
  if (flags.workerIndex !== undefined) {
    return even(flags.workerIndex, flags.workerCount!, "flags", {});
  }
  const found = rankFromEnvironment(env);
  if (found === undefined) {
    throw new UsageError(
      "A distributed run needs to know which worker this is: give --worker-index i " +
        "--worker-count n or --execution-segment a:b, or start it under mpirun, srun or a " +
        "Kubernetes Indexed Job (with --worker-count).",
    );
  }
  const count = found.size ?? flags.workerCount;
  if (count === undefined) {
    throw new UsageError(
      "JOB_COMPLETION_INDEX gives this worker's index but not how many there are: add " +
        "--worker-count n (the Job's completions).",
    );
  }
  if (flags.workerCount !== undefined && flags.workerCount !== count) {
    const sizeVar = Object.keys(found.vars)[1];
    throw new UsageError(
      `--worker-count ${flags.workerCount} disagrees with ${sizeVar}=${count}.`,
    );
  }
  return even(found.rank, count, found.engine, found.vars);
}

/** "worker 2/4 (segment 1/2:3/4)", how messages name a worker. */
export function describeWorker(s: Segmentation, index = s.index): string {
  return `worker ${index}/${s.sequence.length - 1} (segment ${segmentText(s, index)})`;
}
