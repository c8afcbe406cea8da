/**
 * The fault matrix, run by hand: every fault case of tests/fault_cases.ts (misbehaving peers,
 * hostile input files) and a seeded batch of the CLI fuzzer's command lines and mangled data
 * files (tests/fuzz_cases.ts), each in a child process with a deadline and its peak memory
 * read, sorted into clean, hang, crash, wrong and unbounded memory. Prints the cases that are
 * not clean and the counts.
 *
 *   deno run -A scripts/fault_matrix.ts [--fuzz N] [--seed S]
 *
 * --fuzz N: fuzzer cases (default 200: 3 flag lines for each data file); --seed S: the fuzzer's
 * seed (default 23). Exits 1 when any case is not clean.
 */
import { SeededRandom } from "../core/load/random.ts";
import { startServerWorker } from "../server/mod.ts";
import { type ChildRun, runChild } from "../tests/child_process.ts";
import {
  CRASH,
  EXIT_CODES,
  type FaultCase,
  faultCases,
  type FaultRun,
  runCase,
} from "../tests/fault_cases.ts";
import { CliFuzz, type FuzzTarget, QUICK } from "../tests/fuzz_cases.ts";

export type Verdict = "clean" | "hang" | "crash" | "wrong" | "unbounded memory";
export const VERDICTS: readonly Verdict[] = [
  "clean",
  "hang",
  "crash",
  "wrong",
  "unbounded memory",
];

/** A child past this resident size holds more than any bounded run of the matrix needs. */
export const MEMORY_LIMIT_KB = 1024 * 1024;

export interface MatrixOptions {
  /** A run still going after this long is killed and counted as a hang. */
  timeoutMs: number;
  memoryLimitKb: number;
}

const DEFAULTS: MatrixOptions = { timeoutMs: 60_000, memoryLimitKb: MEMORY_LIMIT_KB };

/**
 * The class of one run, most severe first; `wrong` is why the case's own check refused it
 * (undefined when it has none or passed).
 */
export function classify(r: ChildRun, wrong: string | undefined, o: MatrixOptions): Verdict {
  if (r.timedOut) return "hang";
  if (CRASH.test(r.stdout + r.stderr) || !EXIT_CODES.has(r.code)) return "crash";
  if ((r.peakRssKb ?? 0) > o.memoryLimitKb) return "unbounded memory";
  return wrong === undefined ? "clean" : "wrong";
}

export interface CaseResult {
  name: string;
  verdict: Verdict;
  detail: string;
}

/** Runs one fault case and classifies it. */
export async function runFault(c: FaultCase, o: MatrixOptions = DEFAULTS): Promise<CaseResult> {
  const { run, setup } = await runCase(c, { timeoutMs: o.timeoutMs, sampleRss: true });
  let wrong: string | undefined;
  try {
    setup.check(run);
  } catch (e) {
    wrong = (e as Error).message;
  }
  return { name: c.name, verdict: classify(run, wrong, o), detail: detailOf(run, wrong) };
}

/** Runs one fuzzer command line: only the exit code table and the output are judged. */
async function runFuzz(name: string, args: string[], o: MatrixOptions): Promise<CaseResult> {
  const run = await runChild(args, { timeoutMs: o.timeoutMs, sampleRss: true });
  return { name, verdict: classify(run, undefined, o), detail: detailOf(run, undefined) };
}

function detailOf(r: ChildRun | FaultRun, wrong: string | undefined): string {
  const memory = r.peakRssKb === undefined ? "" : `, peak ${Math.round(r.peakRssKb / 1024)} MiB`;
  const why = wrong ?? r.stderr.trim().split("\n").slice(-3).join(" | ");
  return `exit ${r.code}${memory}: ${why.slice(0, 400)}`;
}

/** The fuzzer's cases against `target`: three command lines for each mangled data file. */
async function* fuzzRuns(
  target: FuzzTarget,
  count: number,
  seed: number,
  dir: string,
): AsyncGenerator<[string, string[]]> {
  const gen = new CliFuzz(new SeededRandom(seed));
  for (let i = 0; i < count; i++) {
    if (i % 4 !== 3) {
      const args = gen.args(target);
      yield [`fuzz ${i}: ${args.join(" ")}`, args];
      continue;
    }
    const file = `${dir}/case${i}.json`;
    await Deno.writeFile(file, gen.dataFile());
    yield [`fuzz ${i}: mangled data file`, [
      "-m",
      "simple",
      "-u",
      target.url,
      ...QUICK,
      "--input-data",
      file,
    ]];
  }
}

export function countsLine(results: readonly CaseResult[]): string {
  const n = (v: Verdict) => results.filter((r) => r.verdict === v).length;
  return `${results.length} cases: ${VERDICTS.map((v) => `${n(v)} ${v}`).join(", ")}`;
}

async function main(args: string[]): Promise<number> {
  const value = (flag: string, fallback: number) => {
    const at = args.indexOf(flag);
    const n = at < 0 ? fallback : Number(args[at + 1]);
    if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} takes a whole number`);
    return n;
  };
  const fuzz = value("--fuzz", 200);
  const seed = value("--seed", 23);
  const results: CaseResult[] = [];
  const report = (r: CaseResult) => {
    results.push(r);
    if (r.verdict !== "clean") console.log(`${r.verdict.toUpperCase()}: ${r.name}\n  ${r.detail}`);
  };
  for (const c of faultCases()) report(await runFault(c));
  const server = await startServerWorker({ grpcPort: 0 });
  const dir = await Deno.makeTempDir({ prefix: "pa_matrix_" });
  try {
    for await (const [name, argv] of fuzzRuns(server, fuzz, seed, dir)) {
      report(await runFuzz(name, argv, DEFAULTS));
    }
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
  console.log(countsLine(results));
  return results.every((r) => r.verdict === "clean") ? 0 : 1;
}

if (import.meta.main) Deno.exit(await main(Deno.args));
