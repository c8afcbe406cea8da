/**
 * The overload row: the reference server with one instance and 2 ms of compute (a few hundred
 * infer/s) asked twice its capacity by the real CLI in async open loop for about 30 s. It shows
 * what a load generator must survive: the achieved rate next to the server's capacity measured
 * alone (closed loop, concurrency 4, just before and just after: the mean of the two, since the
 * machine's other load moves it), the send lateness, the requests dropped or late, the
 * connections the CLI opened (its sockets, counted from /proc while it runs) and its peak RSS.
 *
 *   deno run -A scripts/bench_overload.ts [--seconds 30] [--factor 2] [-- extra CLI flags]
 *
 * A measurement, not a test: it exits 1 only when a run fails.
 */
import { parseArgs } from "node:util";
import { startServerProcess } from "./bench_server.ts";
import { type CliResult, runCliWith } from "./bench_soak.ts";

/** What the overload asks of the one-instance server. */
const COMPUTE_US = 2000;
const CAPACITY_CONCURRENCY = 4;

export interface OverloadRow {
  /** Closed loop, concurrency 4, on the same server: the mean of a run before and one after. */
  capacity: number;
  capacityRuns: number[];
  offered: number;
  achieved: number;
  /** achieved / capacity. */
  ratio: number;
  latenessP99Us: number;
  latenessMaxUs: number;
  /** Requests sent more than 1 ms late, as % of those that ended. */
  latePct: number;
  dropped: number;
  /** Most sockets the CLI held open at once. */
  maxSockets: number;
  peakRssMb: number;
  command: string;
}

/** Counts the process's open sockets every 100 ms until `done` settles; answers the highest. */
async function maxSocketsOf(pid: number, done: Promise<unknown>): Promise<number> {
  let finished = false;
  done.finally(() => finished = true);
  let max = 0;
  while (!finished) {
    let n = 0;
    try {
      for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
        try {
          if (Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`).startsWith("socket:")) n++;
        } catch {
          // The descriptor closed between the listing and the read.
        }
      }
    } catch {
      // Not started yet, or already gone.
    }
    max = Math.max(max, n);
    await new Promise((r) => setTimeout(r, 100));
  }
  return max;
}

/** Runs the CLI while counting its sockets (the pid is only known once it is spawned). */
async function runCounted(args: string[]): Promise<{ cli: CliResult; maxSockets: number }> {
  let sockets = Promise.resolve(0);
  const cli = await runCliWith(args, (pid, done) => sockets = maxSocketsOf(pid, done));
  return { cli, maxSockets: await sockets };
}

function number(stdout: string, re: RegExp): number {
  const m = re.exec(stdout);
  return m ? Number(m[1]) : NaN;
}

function check(cli: CliResult): void {
  if (cli.exitCode !== 0 || cli.report === undefined) {
    throw new Error(`${cli.command} failed (${cli.exitCode}):\n${cli.stderrTail}`);
  }
}

export async function overloadRow(seconds: number, factor: number, extra: string[]) {
  const server = await startServerProcess([
    ...["--instances", "1", "--compute-us", String(COMPUTE_US)],
  ]);
  try {
    // Three windows of 1.2 × -p each (perf_analyzer's window), and -s no pair can miss.
    const windowMs = Math.round((seconds * 1000) / 3 / 1.2);
    const fixed = ["-m", "simple", "-u", server.url, "-s", "100000", "-r", "3"];
    const alone = async () => {
      const run = await runCliWith([
        ...fixed,
        ...["--concurrency-range", String(CAPACITY_CONCURRENCY), "-p", "3000"],
      ]);
      check(run);
      return run.report!.throughput;
    };
    const before = await alone();
    const offered = Math.round(before * factor);
    const { cli, maxSockets } = await runCounted([
      ...fixed,
      ...["-a", "--request-rate-range", String(offered), "-p", String(windowMs), ...extra],
    ]);
    check(cli);
    const after = await alone();
    const capacity = (before + after) / 2;
    const out = cli.stdout;
    const achieved = cli.report!.throughput;
    const row: OverloadRow = {
      capacity,
      capacityRuns: [before, after],
      offered,
      achieved,
      ratio: achieved / capacity,
      latenessP99Us: number(out, /Send lateness .*?p99 (\d+) usec/),
      latenessMaxUs: number(out, /Send lateness .*?max (\d+) usec/),
      latePct: number(out, /Send lateness .*?([\d.]+)% over 1 ms/),
      dropped: number(out, /Load: .*?(\d+) dropped/),
      maxSockets,
      peakRssMb: cli.trace.hwmMb,
      command: cli.command,
    };
    return row;
  } finally {
    await server.stop();
  }
}

/** The bench's overload section (scripts/bench.ts); a failed run ends the bench. */
export async function runOverloadSection(seconds: number, log: (line: string) => void) {
  log(`overload: the one-instance server asked twice its capacity for ${seconds} s`);
  return { row: await overloadRow(seconds, 2, []), problems: [] as string[] };
}

export function overloadLines(r: OverloadRow): string[] {
  const f = (n: number, d = 0) => n.toFixed(d);
  return [
    `overload: one-instance server, ${COMPUTE_US} µs compute; capacity alone ` +
    `(concurrency ${CAPACITY_CONCURRENCY}, before and after) ` +
    `${r.capacityRuns.map((c) => f(c, 1)).join(" and ")} infer/s`,
    `  offered ${r.offered}/s -> achieved ${f(r.achieved, 1)} infer/s ` +
    `(${f(100 * r.ratio, 1)} % of capacity), lateness p99 ${f(r.latenessP99Us / 1000, 1)} ms ` +
    `max ${f(r.latenessMaxUs / 1000, 1)} ms, ${f(r.latePct, 1)} % late, ${r.dropped} dropped, ` +
    `${r.maxSockets} sockets, peak RSS ${f(r.peakRssMb)} MB`,
    `  ${r.command}`,
  ];
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { seconds: { type: "string" }, factor: { type: "string" } },
    allowPositionals: true,
  });
  const row = await overloadRow(
    Number(values.seconds ?? 30),
    Number(values.factor ?? 2),
    positionals,
  );
  console.log(overloadLines(row).join("\n"));
  console.log(JSON.stringify(row));
}
