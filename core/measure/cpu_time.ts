/**
 * CPU time of the thread that runs the event loop, for perf_analyzer's "client overhead".
 * Process-wide CPU (process.cpuUsage) would also count a reference server running in a worker
 * of the same process (the demo, the tests), so on Linux the main thread's own counters are
 * read from /proc (10 ms ticks: fine for windows of a second or more). Deno grants
 * /proc/thread-self only with --allow-all; with narrower permissions the process CPU is used.
 */
import process from "node:process";

/** Linux's USER_HZ; /proc reports utime and stime in these ticks. */
const TICKS_PER_SECOND = 100;

function processCpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

/** Fields after the parenthesized command name; utime and stime are fields 14 and 15. */
export function parseThreadStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new SyntaxError(`Cannot parse thread stat "${stat}"`);
  return (ticks * 1e6) / TICKS_PER_SECOND;
}

/** Returns a reader of the calling (JavaScript) thread's CPU time in µs (process CPU where /proc is absent). */
export function mainThreadCpuReader(): () => number {
  // thread-self, not the pid's task: under `deno test` JavaScript runs on another thread.
  const path = "/proc/thread-self/stat";
  try {
    parseThreadStat(Deno.readTextFileSync(path));
  } catch {
    return processCpuUs;
  }
  return () => parseThreadStat(Deno.readTextFileSync(path));
}
