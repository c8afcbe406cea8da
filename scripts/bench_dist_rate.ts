/**
 * The aggregate rate row: 4 workers under `mpirun` (each its rank's worker, started together at
 * a barrier) send one --request-rate schedule striped over them, with --request-count so every
 * request is in the measured window; `merge` of their artifacts is then checked against the rate
 * asked for and against the reference server's own count of what it executed (the ground truth).
 */
import { main } from "../main.ts";
import { startServerWorker } from "../server/mod.ts";
import { alignColumns } from "./bench_table.ts";

/**
 * `mpirun` starting `ranks` Deno processes of `script` with `args`, oversubscribed (two cores
 * here) and allowed to run as root (CI does); its output piped.
 */
export function mpirunDeno(
  ranks: number,
  script: string,
  args: string[],
): Promise<Deno.CommandOutput> {
  return new Deno.Command("mpirun", {
    args: ["--oversubscribe", "-n", `${ranks}`, Deno.execPath(), "run", "-A", script, ...args],
    env: { OMPI_ALLOW_RUN_AS_ROOT: "1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
}

export const DIST_RATE_TITLE =
  "Distributed rate (workers under mpirun at one --request-rate, merged):";

export interface DistRatePlan {
  ranks: number;
  /** The global rate the workers share, requests per second. */
  rate: number;
  /** The global --request-count (the row lasts requests / rate seconds). */
  requests: number;
}

export interface DistRateRow {
  ranks: number;
  askedRate: number;
  mergedRate: number;
  /** (merged - asked) / asked, percent. */
  rateErrorPct: number;
  mergedCount: number;
  /** What the reference server counted as executed. */
  serverCount: number;
}

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** The Client block's count and throughput in a report's text (the Client block comes first). */
export function clientNumbers(report: string): { count: number; rate: number } | undefined {
  const count = /Request count: (\d+)/.exec(report)?.[1];
  const rate = /Throughput: ([0-9.]+) infer\/sec/.exec(report)?.[1];
  return count === undefined || rate === undefined
    ? undefined
    : { count: Number(count), rate: Number(rate) };
}

export function distRateRow(
  plan: DistRatePlan,
  merged: { count: number; rate: number },
  serverCount: number,
): DistRateRow {
  return {
    ranks: plan.ranks,
    askedRate: plan.rate,
    mergedRate: merged.rate,
    rateErrorPct: Math.round(((merged.rate - plan.rate) / plan.rate) * 1e5) / 1e3,
    mergedCount: merged.count,
    serverCount,
  };
}

export async function runDistRate(
  plan: DistRatePlan,
): Promise<{ row?: DistRateRow; problems: string[] }> {
  const server = await startServerWorker({});
  const dir = await Deno.makeTempDir({ prefix: "pa_bench_dist_rate_" });
  try {
    const out = await mpirunDeno(plan.ranks, MAIN, [
      "-m",
      "simple",
      "-u",
      server.url,
      "--request-rate-range",
      `${plan.rate}`,
      "--request-count",
      `${plan.requests}`,
      // Timer pacing: four ranks spinning would take the cores the server needs.
      "--pacing",
      "timer",
      "--dist-out",
      dir,
    ]);
    const dec = new TextDecoder();
    if (!out.success) {
      return { problems: [`mpirun exited ${out.code}: ${dec.decode(out.stderr).slice(-300)}`] };
    }
    let report = "";
    const io = { stdout: (t: string) => void (report += t), stderr: () => {} };
    const code = await main(["merge", dir], io);
    const merged = clientNumbers(report);
    if (code !== 0 || merged === undefined) {
      return { problems: [`merge exited ${code}: ${report.slice(-300)}`] };
    }
    const truth = await server.groundTruth("simple");
    const row = distRateRow(plan, merged, truth.successCount);
    const problems = row.mergedCount === row.serverCount
      ? []
      : [`merged count ${row.mergedCount} is not the server's ${row.serverCount}`];
    return { row, problems };
  } finally {
    await Deno.remove(dir, { recursive: true });
    await server.close();
  }
}

export function distRateLines(row: DistRateRow): string[] {
  const sign = row.rateErrorPct >= 0 ? "+" : "";
  return [
    DIST_RATE_TITLE,
    ...alignColumns([
      ["ranks", "asked", "merged rate", "error", "merged count", "server count"],
      [
        `${row.ranks}`,
        `${row.askedRate}/s`,
        `${row.mergedRate.toFixed(1)}/s`,
        `${sign}${row.rateErrorPct.toFixed(2)}%`,
        `${row.mergedCount}`,
        `${row.serverCount}`,
      ],
    ]),
  ];
}
