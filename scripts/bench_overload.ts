/**
 * The overload row: the reference server with one instance and 2 ms of compute (a few hundred
 * infer/s) asked twice its capacity by the real CLI in async open loop for about 30 s. It shows
 * what a load generator must survive: the achieved rate next to the server's capacity measured
 * alone (closed loop, concurrency 4, just before and just after: the mean of the two, since the
 * machine's other load moves it), the send lateness, the requests dropped or late, the
 * connections the CLI held open to the server (its TCP sockets to the server's port, counted from
 * /proc while it runs, next to the load connections its report names and all its sockets) and its
 * peak RSS, and the targets for the row.
 *
 *   deno run -A scripts/bench_overload.ts [--seconds 30] [--factor 2] [-- extra CLI flags]
 *
 * A measurement, not a test: it exits 1 only when a run fails.
 */
import { parseArgs } from "node:util";
import { startServerProcess } from "./bench_server.ts";
import { type CliResult, runCliWith } from "./bench_soak.ts";
import { round, type Target, targetLine } from "./bench_report.ts";

/** What the overload asks of the one-instance server. */
const COMPUTE_US = 2000;
const CAPACITY_CONCURRENCY = 4;

/** The bars for the row: what a load generator asked twice a server's capacity keeps. */
export const TARGET_MAX_RSS_MB = 200;
export const TARGET_MAX_CONNECTIONS = 128;
export const TARGET_ACHIEVED_PCT = 5;
/** The CLI's control-plane connection (backends/net/control_client.ts), one per run. */
const CONTROL_CONNECTIONS = 1;

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
  /** Connections the CLI's "Load:" line says it opened for requests. */
  loadConnections: number;
  /** Most TCP connections to the server the CLI held open at once (load and control). */
  maxServerConnections: number;
  /** Most sockets of any kind the CLI held open at once (Deno's own Unix sockets included). */
  maxSockets: number;
  peakRssMb: number;
  command: string;
}

/** A process's sockets at one moment. */
export interface SocketCount {
  /** Every socket descriptor it holds (TCP, Unix, netlink...). */
  sockets: number;
  /** Those that are TCP connections to the server's port. */
  toServer: number;
}

/**
 * The socket inodes of /proc/<pid>/net/tcp or tcp6 rows whose remote port is `port`. Each row is
 * `sl local_address rem_address st ... uid timeout inode ...` with addresses as hex ADDR:PORT.
 * The port alone identifies the server: the bench's servers listen on loopback ports the kernel
 * chose, and the CLI dials nothing else at that port.
 */
export function tcpInodesToPort(text: string, port: number): Set<string> {
  const inodes = new Set<string>();
  for (const line of text.split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10) continue;
    if (parseInt(f[2].slice(f[2].lastIndexOf(":") + 1), 16) === port) inodes.add(f[9]);
  }
  return inodes;
}

/**
 * Counts `pid`'s socket descriptors now, and which of them are TCP connections to `port`: its
 * fds' socket inodes matched against the TCP tables of its network namespace. The fds are read
 * first, so a connection that opens in between is simply not counted in this sample.
 */
export function countSockets(pid: number, port: number): SocketCount {
  const inodes: string[] = [];
  for (const e of Deno.readDirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(Deno.readLinkSync(`/proc/${pid}/fd/${e.name}`));
      if (m) inodes.push(m[1]);
    } catch {
      // The descriptor closed between the listing and the read.
    }
  }
  const toPort = new Set<string>();
  for (const table of ["tcp", "tcp6"]) {
    const text = Deno.readTextFileSync(`/proc/${pid}/net/${table}`);
    for (const inode of tcpInodesToPort(text, port)) toPort.add(inode);
  }
  return { sockets: inodes.length, toServer: inodes.filter((i) => toPort.has(i)).length };
}

/** Samples countSockets every 100 ms until `done` settles; answers the highest of each figure. */
async function maxSocketsOf(pid: number, port: number, done: Promise<unknown>) {
  let finished = false;
  done.finally(() => finished = true);
  const max: SocketCount = { sockets: 0, toServer: 0 };
  while (!finished) {
    try {
      const now = countSockets(pid, port);
      max.sockets = Math.max(max.sockets, now.sockets);
      max.toServer = Math.max(max.toServer, now.toServer);
    } catch {
      // Not started yet, or already gone.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return max;
}

/** Runs the CLI while counting its sockets (the pid is only known once it is spawned). */
async function runCounted(args: string[], port: number) {
  let sockets = Promise.resolve<SocketCount>({ sockets: 0, toServer: 0 });
  const cli = await runCliWith(args, (pid, done) => sockets = maxSocketsOf(pid, port, done));
  return { cli, max: await sockets };
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
    const { cli, max } = await runCounted([
      ...fixed,
      ...["-a", "--request-rate-range", String(offered), "-p", String(windowMs), ...extra],
    ], Number(server.url.slice(server.url.lastIndexOf(":") + 1)));
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
      loadConnections: number(out, /Load: .*?(\d+) connections/),
      maxServerConnections: max.toServer,
      maxSockets: max.sockets,
      peakRssMb: cli.trace.hwmMb,
      command: cli.command,
    };
    return row;
  } finally {
    await server.stop();
  }
}

export function overloadTargets(r: OverloadRow): Target[] {
  const offPct = 100 * Math.abs(r.ratio - 1);
  return [
    {
      name: "overload at 2× capacity: achieved infer/s off the capacity measured alone",
      requirement: `<= ${TARGET_ACHIEVED_PCT} %`,
      value: round(offPct, 1),
      unit: "%",
      pass: offPct <= TARGET_ACHIEVED_PCT,
    },
    {
      name: "overload at 2× capacity: client peak RSS",
      requirement: `< ${TARGET_MAX_RSS_MB} MB`,
      value: round(r.peakRssMb, 1),
      unit: "MB",
      pass: r.peakRssMb < TARGET_MAX_RSS_MB,
    },
    {
      // Every TCP connection to the server counts, the control connection (metadata and the
      // statistics read at each window's edges) included.
      name: "overload at 2× capacity: TCP connections to the server open at once (load and " +
        "control)",
      requirement: `<= ${TARGET_MAX_CONNECTIONS}`,
      value: r.maxServerConnections,
      unit: "connections",
      pass: r.maxServerConnections <= TARGET_MAX_CONNECTIONS,
    },
  ];
}

/** The bench's overload section (scripts/bench.ts); a failed run ends the bench. */
export async function runOverloadSection(seconds: number, log: (line: string) => void) {
  log(`overload: the one-instance server asked twice its capacity for ${seconds} s`);
  const row = await overloadRow(seconds, 2, []);
  return { row, targets: overloadTargets(row), problems: [] as string[] };
}

export function overloadLines(r: OverloadRow, targets: Target[]): string[] {
  const f = (n: number, d = 0) => n.toFixed(d);
  return [
    `overload: one-instance server, ${COMPUTE_US} µs compute; capacity alone ` +
    `(concurrency ${CAPACITY_CONCURRENCY}, before and after) ` +
    `${r.capacityRuns.map((c) => f(c, 1)).join(" and ")} infer/s`,
    `  offered ${r.offered}/s -> achieved ${f(r.achieved, 1)} infer/s ` +
    `(${f(100 * r.ratio, 1)} % of capacity), lateness p99 ${f(r.latenessP99Us / 1000, 1)} ms ` +
    `max ${f(r.latenessMaxUs / 1000, 1)} ms, ${f(r.latePct, 1)} % late, ${r.dropped} dropped, ` +
    `peak RSS ${f(r.peakRssMb)} MB`,
    `  connections to the server: ${r.maxServerConnections} at most, ${CONTROL_CONNECTIONS} of ` +
    `them control (the report's Load line: ${r.loadConnections} for requests); ` +
    `${r.maxSockets} sockets in all`,
    `  ${r.command}`,
    ...targets.map(targetLine),
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
  const targets = overloadTargets(row);
  console.log(overloadLines(row, targets).join("\n"));
  console.log(JSON.stringify({ row, targets }));
}
