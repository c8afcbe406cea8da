/**
 * The MPI bench rows (`deno task bench --only-mpi`, or this script alone): start skew across the
 * ranks of one `mpirun` job, the spread of the instants at which Deno ranks leave the same
 * barrier (core/distributed/mpi/skew.ts), over many barriers; that spread is how far apart the
 * ranks' first windows start under --enable-mpi or a distributed run under mpirun. Then the
 * aggregate rate row (scripts/bench_dist_rate.ts). Writes the `mpi` key of bench/results.json,
 * keeping the rest of the file.
 *
 *   deno run -A scripts/bench_mpi.ts [--ranks 4] [--barriers 200] [--out FILE]
 */
import { parseArgs } from "node:util";
import { barrierSkewsMs, type RankReleases } from "../core/distributed/mpi/skew.ts";
import { alignColumns, mergeSection } from "./bench_table.ts";
import { quantile } from "./bench_report.ts";
import {
  distRateLines,
  type DistRatePlan,
  type DistRateRow,
  mpirunDeno,
  runDistRate,
} from "./bench_dist_rate.ts";

const SKEW = new URL("../core/distributed/mpi/skew.ts", import.meta.url).pathname;
const RESULTS = new URL("../bench/results.json", import.meta.url).pathname;

export interface SkewSummary {
  ranks: number;
  barriers: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export function summarizeSkews(ranks: number, skews: number[]): SkewSummary {
  const sorted = [...skews].sort((a, b) => a - b);
  const round = (ms: number) => Math.round(ms * 1000) / 1000;
  return {
    ranks,
    barriers: sorted.length,
    p50Ms: round(quantile(sorted, 0.5)),
    p99Ms: round(quantile(sorted, 0.99)),
    maxMs: round(sorted[sorted.length - 1]),
  };
}

export interface MpiPlan {
  ranks: number;
  barriers: number;
  rate: DistRatePlan;
}

export interface MpiSection {
  date: string;
  method: string;
  startSkew?: SkewSummary;
  rate?: DistRateRow;
  problems: string[];
}

export function mpiPlan(quick: boolean, ranks = 4, barriers = quick ? 100 : 200): MpiPlan {
  return { ranks, barriers, rate: { ranks, rate: 400, requests: quick ? 1200 : 2000 } };
}

const METHOD = "mpirun --oversubscribe on this machine's cores; start skew: each rank's wall " +
  "clock (performance.timeOrigin + now) read right after each barrier, skew = latest - " +
  "earliest; rate: the ranks as distributed workers at one --request-rate with " +
  "--request-count, merged, against the reference server's executed count";

/** Why the MPI rows cannot run here, or undefined when mpirun starts. */
export async function mpirunMissing(): Promise<string | undefined> {
  try {
    await new Deno.Command("mpirun", { args: ["--version"], stdout: "null", stderr: "null" })
      .output();
    return undefined;
  } catch {
    return "the MPI rows need mpirun: apt-get install -y openmpi-bin libopenmpi-dev";
  }
}

export async function runMpiSection(
  plan: MpiPlan,
  log: (line: string) => void,
): Promise<MpiSection> {
  const problems: string[] = [];
  log(`mpi rows: start skew over ${plan.barriers} barriers of ${plan.ranks} ranks ...`);
  let startSkew: SkewSummary | undefined;
  try {
    startSkew = await measure(plan.ranks, plan.barriers);
  } catch (e) {
    problems.push(`start skew: ${(e as Error).message}`);
  }
  log(
    `mpi rows: ${plan.rate.requests} requests at ${plan.rate.rate}/s over ${plan.ranks} ranks ...`,
  );
  const rate = await runDistRate(plan.rate);
  problems.push(...rate.problems);
  return { date: new Date().toISOString(), method: METHOD, startSkew, rate: rate.row, problems };
}

export function mpiLines(section: MpiSection): string[] {
  const s = section.startSkew;
  const skew = s === undefined ? [] : [
    "MPI start skew (ranks leaving one barrier, latest - earliest):",
    ...alignColumns([
      ["ranks", "barriers", "p50", "p99", "max"],
      [`${s.ranks}`, `${s.barriers}`, `${s.p50Ms} ms`, `${s.p99Ms} ms`, `${s.maxMs} ms`],
    ]),
  ];
  const rate = section.rate === undefined ? [] : distRateLines(section.rate);
  return [...skew, ...(skew.length > 0 && rate.length > 0 ? [""] : []), ...rate];
}

async function measure(ranks: number, barriers: number): Promise<SkewSummary> {
  // Each rank writes its own file: 200 barriers make lines mpirun would interleave.
  const dir = await Deno.makeTempDir({ prefix: "pa_bench_skew_" });
  try {
    const out = await mpirunDeno(ranks, SKEW, [`${barriers}`, dir]);
    const dec = new TextDecoder();
    if (!out.success) throw new Error(`mpirun failed (${out.code}): ${dec.decode(out.stderr)}`);
    const releases: RankReleases[] = [];
    for (let r = 0; r < ranks; r++) {
      releases.push(JSON.parse(await Deno.readTextFile(`${dir}/rank-${r}.json`)));
    }
    return summarizeSkews(ranks, barrierSkewsMs(releases));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
  const section = await runMpiSection(
    mpiPlan(false, Number(values.ranks), Number(values.barriers)),
    (line) => console.log(line),
  );
  let existing: string | null = null;
  try {
    existing = await Deno.readTextFile(values.out);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.writeTextFile(values.out, mergeSection(existing, "mpi", section));
  console.log(mpiLines(section).join("\n"));
  for (const p of section.problems) console.log(`INVALID: ${p}`);
  console.log(`(written to ${values.out}, key "mpi")`);
  Deno.exitCode = section.problems.length === 0 ? 0 : 1;
}
