/**
 * What the kernel says about another process: resident memory (now and the exact peak) from
 * /proc/<pid>/status, CPU time from /proc/<pid>/stat, and its main thread's scheduler account
 * (time on a CPU, time runnable but waiting for one) from /proc/<pid>/schedstat. Reading from
 * outside means the measured process pays nothing for being measured.
 */

const KB_PER_MB = 1024;
/** USER_HZ: /proc reports CPU in clock ticks, 100 per second on every Linux we run on. */
const TICKS_PER_S = 100;

export interface ProcMemory {
  /** VmRSS: resident now. */
  rssMb: number;
  /** VmHWM: the highest VmRSS the process ever had (the kernel keeps it exactly). */
  hwmMb: number;
}

function kbField(text: string, name: string): number {
  const m = new RegExp(`^${name}:\\s+(\\d+) kB$`, "m").exec(text);
  if (!m) throw new Error(`no ${name} in /proc status text`);
  return Number(m[1]) / KB_PER_MB;
}

/** Parses /proc/<pid>/status; a zombie (no memory map left) has neither field and throws. */
export function parseProcStatus(text: string): ProcMemory {
  return { rssMb: kbField(text, "VmRSS"), hwmMb: kbField(text, "VmHWM") };
}

/** utime + stime in seconds from /proc/<pid>/stat (fields 14 and 15). */
export function parseProcStatCpuSeconds(text: string): number {
  // The command name is parenthesized and may hold spaces, so count fields after its ")".
  const close = text.lastIndexOf(")");
  if (close < 0) throw new Error("unexpected /proc stat text");
  const fields = text.slice(close + 2).trim().split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) {
    throw new Error("unexpected /proc stat text");
  }
  return (utime + stime) / TICKS_PER_S;
}

export async function procCpuSeconds(pid: number): Promise<number> {
  return parseProcStatCpuSeconds(await Deno.readTextFile(`/proc/${pid}/stat`));
}

/**
 * One thread's scheduler account. A thread that wants a CPU all the time (a spinning pacer)
 * and still shows wait time was pushed off its CPU by other processes.
 */
export interface ThreadSched {
  /** Time on a CPU. */
  runS: number;
  /** Time runnable but waiting for a CPU (the kernel's run delay). */
  waitS: number;
}

/**
 * Parses /proc/<pid>/schedstat: ns on a CPU, ns waiting on a run queue, timeslices. For a pid
 * it is the thread-group leader's own account, which in `deno run` is the JavaScript thread.
 */
export function parseSchedstat(text: string): ThreadSched {
  const [run, wait] = text.trim().split(" ").map(Number);
  if (!Number.isFinite(run) || !Number.isFinite(wait)) {
    throw new Error("unexpected /proc schedstat text");
  }
  return { runS: run / 1e9, waitS: wait / 1e9 };
}

/** One reading of a live process; undefined once it has exited (or become a zombie). */
export async function readProc(
  pid: number,
): Promise<(ProcMemory & { cpuS: number; main: ThreadSched }) | undefined> {
  try {
    const memory = parseProcStatus(await Deno.readTextFile(`/proc/${pid}/status`));
    const main = parseSchedstat(await Deno.readTextFile(`/proc/${pid}/schedstat`));
    return { ...memory, cpuS: await procCpuSeconds(pid), main };
  } catch {
    return undefined;
  }
}

/** CPU counters at one sample of a trace, cumulative since the process started. */
export interface CpuSample {
  /** Milliseconds since the trace began. */
  atMs: number;
  /** utime + stime of the whole process. */
  cpuS: number;
  /** The main (JavaScript) thread's scheduler account. */
  main: ThreadSched;
}

export interface ProcTrace {
  /** VmRSS once per `everyMs`, starting `everyMs` after the trace began (MB). */
  rssSeriesMb: number[];
  /** Highest VmHWM read: the exact peak up to the last poll. */
  hwmMb: number;
  /** utime + stime at the last successful poll. */
  cpuS: number;
  /** CPU counters taken with each RSS sample. */
  cpuSeries: CpuSample[];
  polls: number;
}

/** Waits `ms` or until `early` settles, whichever is first, leaving no timer behind. */
async function pause(ms: number, early: Promise<unknown>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([new Promise((r) => timer = setTimeout(r, ms)), early]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Polls `pid` every `pollMs` until `done` settles, keeping one RSS sample per `everyMs`. The
 * fast poll exists for VmHWM and CPU: the process's last reading before exit is at most
 * `pollMs` old, and nothing after a run's report allocates much.
 */
export async function traceProcess(
  pid: number,
  done: Promise<unknown>,
  everyMs = 1000,
  pollMs = 100,
): Promise<ProcTrace> {
  let finished = false;
  const watch = done.then(() => finished = true, () => finished = true);
  const trace: ProcTrace = { rssSeriesMb: [], hwmMb: 0, cpuS: 0, cpuSeries: [], polls: 0 };
  const t0 = performance.now();
  while (!finished) {
    await pause(pollMs, watch);
    const r = finished ? undefined : await readProc(pid);
    if (r === undefined) continue;
    trace.polls++;
    trace.hwmMb = Math.max(trace.hwmMb, r.hwmMb);
    trace.cpuS = r.cpuS;
    const atMs = performance.now() - t0;
    if (atMs >= (trace.rssSeriesMb.length + 1) * everyMs) {
      trace.rssSeriesMb.push(r.rssMb);
      trace.cpuSeries.push({ atMs, cpuS: r.cpuS, main: r.main });
    }
  }
  return trace;
}

/** CPU use between two samples of a trace, each as % of one core. */
export interface CpuShare {
  /** Wall seconds between the two samples. */
  seconds: number;
  /** The whole process (every thread). */
  cpuPct: number;
  /** The JavaScript thread on a CPU. */
  mainRunPct: number;
  /** The JavaScript thread runnable but kept off every CPU by other work. */
  mainWaitPct: number;
}

/**
 * CPU use from sample `from` to the last one; the default skips the first sample (1 s after
 * spawn) so Deno's startup and module compile are left out. NaNs when too few samples.
 */
export function cpuShare(series: CpuSample[], from = 1): CpuShare {
  const a = series[from];
  const b = series[series.length - 1];
  if (a === undefined || b === undefined || b.atMs <= a.atMs) {
    return { seconds: NaN, cpuPct: NaN, mainRunPct: NaN, mainWaitPct: NaN };
  }
  const seconds = (b.atMs - a.atMs) / 1000;
  const pct = (x: number) => (100 * x) / seconds;
  return {
    seconds,
    cpuPct: pct(b.cpuS - a.cpuS),
    mainRunPct: pct(b.main.runS - a.main.runS),
    mainWaitPct: pct(b.main.waitS - a.main.waitS),
  };
}
