/**
 * --enable-mpi: perf_analyzer's multi-model mode under mpirun (core/distributed/mpi/ranks.ts).
 * The flag, its --help row and its rule: each rank measures one level, since the ranks end each
 * level together and a sweep would need every rank to have as many levels as the others.
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import type { HelpEntry } from "./help_table.ts";
import { UsageError } from "../errors.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const MPI_HANDLERS = {
  "enable-mpi": (c) => {
    c.enableMpi = true;
  },
} satisfies Record<string, Handler>;

export const MPI_HELP: HelpEntry = {
  id: "enable-mpi",
  flags: "--enable-mpi",
  def: "off",
  text: "Multi-model runs under Open MPI's mpirun, one process per model (mpirun -n 1 " +
    "perf_analyzer --enable-mpi -m A ... : -n 1 perf_analyzer --enable-mpi -m B ...): the ranks " +
    "start and finish together and a level ends when every rank is stable. Ranges must be " +
    "single values. Needs libmpi (Debian: openmpi-bin libopenmpi-dev).",
};

/** perf_analyzer's refusal of a sweep in multi-model mode, with its wording. */
export function finishMpi(config: RunConfig): void {
  if (!config.enableMpi) return;
  if (config.distributed !== undefined) {
    throw new UsageError(
      "--enable-mpi runs one model per rank; the distributed-run flags split one model's load " +
        "over workers (under mpirun too, without --enable-mpi): give one or the other.",
    );
  }
  const { concurrency: c, requestRate: r } = config;
  if (config.loadMode === "concurrency" && c.end !== c.start) {
    throw new UsageError("Cannot specify --concurrency-range when in multi-model mode.");
  }
  if (config.loadMode === "request_rate" && r.end !== r.start) {
    throw new UsageError("Cannot specify --request-rate-range when in multi-model mode.");
  }
}
