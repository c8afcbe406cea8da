/**
 * The flags of a distributed run (README "Distributed runs"): which worker this is, when the
 * common clock starts, how many windows each level runs, where the worker's artifact goes. The
 * cross-option rules refuse what needs workers to talk to each other (a binary search, an
 * open-ended sweep, windows that end on a count or a confidence interval).
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import type { HelpEntry } from "./help_table.ts";
import { UsageError } from "../errors.ts";
import { parseIntegerWhere } from "./values.ts";
import type { IdentityFlags } from "../distributed/identity.ts";
import { SEGMENT_FLAG, SEQUENCE_FLAG } from "../distributed/segment.ts";

export interface DistributedConfig extends IdentityFlags {
  /** --start-at: the common start, ms since the Unix epoch. */
  startAtMs?: number;
  /** --dist-late-tolerance: a worker later than this past --start-at refuses to run (ms). */
  lateToleranceMs: number;
  /** --dist-windows: windows every level runs, none added or dropped. */
  windows: number;
  /** --dist-out: the folder of the worker-<index>.json artifacts. */
  out?: string;
  /** --dist-run-id: names the run in every artifact; default from the arguments and start. */
  runId?: string;
}

export const DEFAULT_DIST_WINDOWS = 5;
export const DEFAULT_LATE_TOLERANCE_MS = 1000;

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

function dist(c: RunConfig): DistributedConfig {
  c.distributed ??= { lateToleranceMs: DEFAULT_LATE_TOLERANCE_MS, windows: DEFAULT_DIST_WINDOWS };
  return c.distributed;
}

const atLeast = (min: number) => (n: number) => n >= min;

export const DISTRIBUTED_HANDLERS = {
  "worker-index": (c, _s, v) => {
    dist(c).workerIndex = parseIntegerWhere(
      "--worker-index",
      v,
      atLeast(0),
      "The value must be >= 0.",
    );
  },
  "worker-count": (c, _s, v) => {
    dist(c).workerCount = parseIntegerWhere(
      "--worker-count",
      v,
      atLeast(1),
      "The value must be > 0.",
    );
  },
  "execution-segment": (c, _s, v) => {
    dist(c).segment = v;
  },
  "execution-segment-sequence": (c, _s, v) => {
    dist(c).sequence = v;
  },
  "start-at": (c, _s, v) => {
    dist(c).startAtMs = parseIntegerWhere(
      "--start-at",
      v,
      atLeast(1),
      "The value must be ms since the Unix epoch (date +%s%3N).",
    );
  },
  "dist-late-tolerance": (c, _s, v) => {
    dist(c).lateToleranceMs = parseIntegerWhere(
      "--dist-late-tolerance",
      v,
      atLeast(0),
      "The value must be >= 0.",
    );
  },
  "dist-windows": (c, _s, v) => {
    dist(c).windows = parseIntegerWhere("--dist-windows", v, atLeast(1), "The value must be > 0.");
  },
  "dist-out": (c, _s, v) => {
    if (v === "") throw new UsageError("--dist-out needs a folder.");
    dist(c).out = v;
  },
  "dist-run-id": (c, _s, v) => {
    if (!/^[A-Za-z0-9._-]+$/.test(v)) {
      throw new UsageError(`--dist-run-id "${v}": use letters, digits, '.', '_' or '-'.`);
    }
    dist(c).runId = v;
  },
} satisfies Record<string, Handler>;

export const DISTRIBUTED_HELP: readonly HelpEntry[] = [
  {
    id: "worker-index",
    flags: "--worker-index <i>",
    ours: true,
    def: "from the engine",
    text: "This worker's index, 0..n-1 (else OMPI_COMM_WORLD_RANK, PMI_RANK, SLURM_PROCID or " +
      "JOB_COMPLETION_INDEX). Each worker sends its exact share of the load: concurrency and " +
      "request counts split by whole units, rates by striping the one schedule.",
  },
  {
    id: "worker-count",
    flags: "--worker-count <n>",
    ours: true,
    def: "from the engine",
    text: "How many workers (else OMPI_COMM_WORLD_SIZE, PMI_SIZE or SLURM_NTASKS; a " +
      "Kubernetes Indexed Job needs it).",
  },
  {
    id: "execution-segment",
    flags: `${SEGMENT_FLAG} <a:b>`,
    ours: true,
    def: "off",
    text: "k6's form: this worker's part of the load, e.g. 1/4:1/2 (instead of --worker-index).",
  },
  {
    id: "execution-segment-sequence",
    flags: `${SEQUENCE_FLAG} <list>`,
    ours: true,
    def: "0,a,b,1",
    text: "Every worker's boundaries, e.g. 0,1/4,1/2,1; every worker must be given the same.",
  },
  {
    id: "start-at",
    flags: "--start-at <epoch ms>",
    ours: true,
    def: "required",
    text: "The common start, computed once by the launcher (e.g. $(( $(date +%s%3N) + 5000 " +
      "))): every worker starts the first level's clock then, after its warmup.",
  },
  {
    id: "dist-late-tolerance",
    flags: "--dist-late-tolerance <ms>",
    ours: true,
    def: "1000",
    text: "A worker that is ready later than this past --start-at refuses to run (missed start).",
  },
  {
    id: "dist-windows",
    flags: "--dist-windows <k>",
    ours: true,
    def: "5",
    text: "Windows of -p ms every level runs, back to back on one grid shared by all workers " +
      "(so sweeps need no messages); merge judges stability on the merged last three.",
  },
  {
    id: "dist-out",
    flags: "--dist-out <dir>",
    ours: true,
    def: "required",
    text: "Folder where the worker writes worker-<index>.json; `merge <dir>` reports the run. " +
      '"-" prints it on stdout between marker lines, for a log collector (kubectl logs); ' +
      "`merge` reads such logs too.",
  },
  {
    id: "dist-run-id",
    flags: "--dist-run-id <id>",
    ours: true,
    def: "from args",
    text: "The run's name in every artifact (default: a hash of the arguments and --start-at); " +
      "merge refuses artifacts of different runs.",
  },
];

/** What a distributed run cannot do without its workers talking to each other. */
function refused(config: RunConfig): string | undefined {
  if (config.binarySearch) return "--binary-search (each step depends on the merged verdict)";
  const range = config.loadMode === "concurrency" ? config.concurrency : config.requestRate;
  if (range.end === 0) return "a range with end 0 (it stops on a merged verdict)";
  if (config.stopRule === "confidence") return "--stop-rule confidence";
  if (config.measurementMode === "count_windows" && config.requestCount === 0) {
    return "--measurement-mode count_windows (windows must share one time grid)";
  }
  if (config.loadMode === "session_concurrency") return "--session-concurrency";
  if (config.loadMode === "periodic_concurrency") return "--periodic-concurrency-range";
  if (config.loadMode === "fixed_schedule" && config.warmupRequestCount > 0) {
    return "--warmup-request-count with --fixed-schedule";
  }
  return undefined;
}

/** Cross-option rules of a distributed run; runs after every option was applied. */
export function finishDistributed(config: RunConfig): void {
  const d = config.distributed;
  if (d === undefined) return;
  if (d.workerIndex !== undefined && d.workerCount === undefined) {
    throw new UsageError("--worker-index needs --worker-count.");
  }
  if (d.segment !== undefined && d.workerIndex !== undefined) {
    throw new UsageError(`Give --worker-index or ${SEGMENT_FLAG}, not both.`);
  }
  if (d.sequence !== undefined && d.segment === undefined) {
    throw new UsageError(`${SEQUENCE_FLAG} needs ${SEGMENT_FLAG}.`);
  }
  if (d.out === undefined) {
    throw new UsageError("A distributed run needs --dist-out <dir> for its worker artifact.");
  }
  const flag = refused(config);
  if (flag !== undefined) throw new UsageError(`${flag} does not apply to a distributed run.`);
}
