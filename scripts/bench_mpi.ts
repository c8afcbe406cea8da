/**
 * The MPI bench row: start skew across the ranks of one `mpirun` job, the spread of the instants
 * at which Deno ranks leave the same barrier (core/distributed/mpi/skew.ts), over many barriers.
 * That spread is how far apart the ranks' first windows start under --enable-mpi. Writes the
 * `mpi` key of bench/results.json, keeping the rest of the file.
 *
 *   deno run -A scripts/bench_mpi.ts [--ranks 4] [--barriers 200] [--out FILE]
 */
import { parseArgs } from "node:util";
import { barrierSkewsMs, parseReleases } from "../core/distributed/mpi/skew.ts";
import { mergeSection } from "./bench_table.ts";

const SKEW = new URL("../core/distributed/mpi/skew.ts", import.meta.url).pathname;
const RESULTS = new URL("../bench/results.json", import.meta.url).pathname;

export interface SkewSummary {
  ranks: number;
  barriers: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** The nearest-rank percentile of sorted values. */
function nearestRank(sorted: number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function summarizeSkews(ranks: number, skews: number[]): SkewSummary {
  const sorted = [...skews].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    ranks,
    barriers: sorted.length,
    p50Ms: round(nearestRank(sorted, 50)),
    p99Ms: round(nearestRank(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1]),
  };
}

async function measure(ranks: number, barriers: number): Promise<SkewSummary> {
  const out = await new Deno.Command("mpirun", {
    args: [
      "--oversubscribe",
      "-n",
      String(ranks),
      Deno.execPath(),
      "run",
      "-A",
      SKEW,
      `${barriers}`,
    ],
    env: { OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  if (!out.success) throw new Error(`mpirun failed (${out.code}): ${dec.decode(out.stderr)}`);
  const releases = parseReleases(dec.decode(out.stdout));
  if (releases.length !== ranks) throw new Error(`${releases.length} of ${ranks} ranks reported`);
  return summarizeSkews(ranks, barrierSkewsMs(releases));
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      ranks: { type: "string", default: "4" },
      barriers: { type: "string", default: "200" },
      out: { type: "string", default: RESULTS },
    },
    strict: true,
  });
  const summary = await measure(Number(values.ranks), Number(values.barriers));
  const section = {
    date: new Date().toISOString(),
    method: "mpirun --oversubscribe on this machine's cores; each rank's wall clock " +
      "(performance.timeOrigin + now) read right after each barrier; skew = latest - earliest",
    startSkew: summary,
  };
  let existing: string | null = null;
  try {
    existing = await Deno.readTextFile(values.out);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.writeTextFile(values.out, mergeSection(existing, "mpi", section));
  console.log(
    `start skew across ${summary.ranks} ranks over ${summary.barriers} barriers: ` +
      `p50 ${summary.p50Ms} ms, p99 ${summary.p99Ms} ms, max ${summary.maxMs} ms ` +
      `(written to ${values.out}, key "mpi")`,
  );
}
