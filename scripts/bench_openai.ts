/**
 * The bench's LLM rows (issue 18): our openai client's ceiling against the reference server's
 * OpenAI mock (zero time to first token and inter-token gaps, 64-token streamed chat replies),
 * at 1, 64, 256 and 1024 concurrent streams, side by side in the same run with a Python asyncio +
 * aiohttp streaming client reading the same mock at the same concurrency; then a memory soak of
 * our client alone. At one stream each client runs twice, unpinned and with the mock and the
 * client both pinned to one CPU by taskset (why: the `placement` entry of METHOD).
 *
 * Every row has its own processes: the mock (scripts/bench_openai_server.ts) and the client
 * (scripts/bench_openai_client.ts, or scripts/bench_openai_aiohttp.py under Debian's Python).
 * Each client reports streams, events and its own process CPU over one window after a warmup,
 * and when it read each request's first token; the mock's ground truth says when it wrote that
 * token, so TTFT overhead = client read − mock write, per request, both on the epoch clock
 * (each process converts its monotonic clock with its time origin; two processes agree within
 * about 10 µs on this machine, checked with pipe round trips).
 *
 * Run alone: deno run -A scripts/bench_openai.ts [--quick] [--soak S] [--transport raw|deno];
 * `deno task bench` runs it
 * as one section (`--only-openai` for just this one).
 */
import { parseArgs } from "node:util";
import process from "node:process";
import { parseSchedstat, procCpuSeconds, traceProcess } from "./bench_proc.ts";
import { systemBusySeconds } from "./bench_tools.ts";
import { paTaskFlags, summarizeRss, tail } from "./bench_soak.ts";
import { rounded, type Target } from "./bench_report.ts";
import type { ClientPlan, ClientReport } from "./bench_openai_client.ts";
import { MOCK_MODEL } from "./bench_openai_client.ts";
import type { MockRequest } from "./bench_openai_server.ts";
import {
  type OpenAiClientName,
  openAiLines,
  openAiProblems,
  type OpenAiRow,
  openAiRow,
  type OpenAiSoak,
  openAiTargets,
  type Placement,
} from "./bench_openai_report.ts";

/** Debian's interpreter, the one python3-aiohttp installs for. */
export const PYTHON = "/usr/bin/python3";
const SCRIPTS = new URL(".", import.meta.url).pathname;
const REPO = new URL("..", import.meta.url).pathname;
/** Output tokens of every reply. */
export const OUTPUT_TOKENS = 64;
/** A child that has not finished this long after its planned run is killed. */
const GRACE_S = 60;

export interface OpenAiBenchPlan {
  /** Concurrent streams of each row (each client once per count). */
  streams: number[];
  /** Measured window of each row. */
  seconds: number;
  warmupS: number;
  /** The memory soak's window; 0 runs none. */
  soakS: number;
  soakStreams: number;
  /**
   * The mock's HTTP transport: "raw", its own (ground truth stamped at the write), or "deno",
   * the reference server's Deno.serve listener (stamped when the reply is made), to compare.
   */
  transport: "raw" | "deno";
  /** Stream counts run twice per client: as the scheduler places the processes, and on one CPU. */
  oneCpuStreams: number[];
}

/**
 * The CPU both processes of a `one-cpu` row run on: the first this process may use (a
 * container's cpuset need not hold CPU 0). Read when asked, so importing this module needs no
 * /proc.
 */
export function oneCpu(): string {
  return firstCpu(Deno.readTextFileSync("/proc/self/status"));
}

/** The first CPU of a /proc status text's Cpus_allowed_list ("0-1" → "0", "2,5-7" → "2"). */
export function firstCpu(status: string): string {
  return /^\d+/.exec(allowedList(status))?.[0] ?? "0";
}

/** A /proc status text's Cpus_allowed_list ("0-1", "2,5-7"), or "" when it has none. */
function allowedList(status: string): string {
  return /^Cpus_allowed_list:\s*(\S+)$/m.exec(status)?.[1] ?? "";
}

/** The rows of `deno task bench`; `soakS` from --openai-soak (default 30 s, --quick 5 s). */
export function openAiPlan(
  quick: boolean,
  soakS?: number,
  transport: "raw" | "deno" = "raw",
): OpenAiBenchPlan {
  return {
    streams: [1, 64, 256, 1024],
    seconds: quick ? 1 : 5,
    warmupS: quick ? 0.5 : 1,
    soakS: soakS ?? (quick ? 5 : 30),
    soakStreams: 256,
    transport,
    oneCpuStreams: [1],
  };
}

/** What results.json holds under `openai`. */
export interface OpenAiSection {
  date: string;
  /** The machine's load average before and after: the rows are only as quiet as it was. */
  loadavgAtStart: number[];
  loadavgAtEnd: number[];
  plan: OpenAiBenchPlan;
  method: Record<string, string>;
  rows: OpenAiRow[];
  soak: OpenAiSoak | null;
  targets: Target[];
  problems: string[];
}

/** The request both clients send (the clients add `stream` and `stream_options`). */
export const REQUEST_BODY = {
  model: MOCK_MODEL,
  messages: [{ role: "user", content: "Tell me about the printing press." }],
  max_tokens: OUTPUT_TOKENS,
};

const METHOD: Record<string, string> = {
  mock: "scripts/bench_openai_server.ts: the reference server's OpenAI mock in its own Deno " +
    "process on its own HTTP/1.1 transport (server/openai/raw.ts: Deno.listen, one " +
    "conn.write of status line, headers and body per reply), ttftUs 0, itlUs 0, slots = the " +
    "row's streams, role chunk first, usage as the request asks, every reply's events in one " +
    "write; ground truth keeps each request's first token time and event count only; a fresh " +
    "process per row. Its CPU per reply stays near a bare server's: a reply is built in the " +
    "connection's buffer and sent as built, copied from a template of its shape (the first " +
    "such reply's bytes; only each reply's chunk head and drawn words are its own), and a " +
    "request body repeated byte for byte is parsed and checked once",
  request: `POST /v1/chat/completions, max_tokens ${OUTPUT_TOKENS}, stream with include_usage: ` +
    `role + ${OUTPUT_TOKENS} content + finish + usage + [DONE] = ${OUTPUT_TOKENS + 4} events`,
  ours: "scripts/bench_openai_client.ts: backends/openai channels driven by core/load/" +
    "dispatcher.ts (closed loop, one slot and connection per stream), launched with the flags " +
    "of `deno task pa`",
  aiohttp: "scripts/bench_openai_aiohttp.py under /usr/bin/python3 (Debian's python3-aiohttp): " +
    "one asyncio task per stream on one ClientSession (no pool limit), SSE read line by line, " +
    "every event's JSON parsed, first content event timed with time.time_ns()",
  window: "each client warms up, then counts over one window: streams completed in it, SSE " +
    "events of those streams ([DONE] included); CPU = the client process's user+system over " +
    "the window (process.cpuUsage() / time.process_time()); mock CPU from /proc/<pid>/stat " +
    "between the client's window marks; other CPU = the machine's busy time (/proc/stat) " +
    "minus the client, the mock and this script over the window (other processes: noise)",
  ttftOverhead: "per request completed in the window: the client's time of its first " +
    "content event (the kernel's receive stamp of the socket read that completed it, " +
    "--receive-timestamps kernel, the CLI's default on Linux) minus the mock's ground-truth " +
    "time of writing it (taken just before the conn.write call that handed the reply to the " +
    "kernel); requests matched by x-request-id (one per stream slot) and order; both times on " +
    "the epoch clock (monotonic clock + time origin in each process). It holds the write call " +
    "and the kernel's loopback delivery, not the client's wait for its event loop and CPU " +
    "(with user stamps, --receive-timestamps user, it would: milliseconds at 256 streams)",
  ttftExcess: "per request as for ttftOverhead: the client's TTFT (request sent to its first " +
    "content event read) minus the mock's ground-truth TTFT (request parsed to first content " +
    "event handed over), each on its own process's clock: request transit and parsing, the " +
    "mock's queue and the client's reading, beyond what the server itself took",
  runWait: "clientRunWaitPct / mockRunWaitPct: the JavaScript thread's run delay " +
    "(/proc/<pid>/schedstat, time runnable but without a CPU) over the window, % of it; a " +
    "reader woken by a reply waits this share of the time before it runs",
  placement: "one stream is a ping-pong: the client sends, waits, the mock answers, the " +
    "client reads. On a quiet 2-CPU machine Linux runs the two processes on different CPUs, and " +
    "then the crossing, not our client, sets the pace: measured when these rows were added " +
    "(December 2026, a 2-vCPU VM whose idle CPUs halt at once), a round trip took 76-100 µs " +
    "across two CPUs against 37-48 µs on one (each 16 KB reply and the sockets' state move " +
    "between the CPUs' caches, and the halted CPU must be woken); on a busy machine Linux often " +
    "puts them on one CPU, so unpinned rows moved between 0.64 and 1.1 M events/s from run to " +
    "run. Each client therefore runs the oneCpuStreams counts twice: placement " +
    '"scheduler" (no pinning) and "one-cpu" (mock and client both started under taskset -c on ' +
    "the first CPU the bench may use); the events/s target compares each client's better " +
    "placement, so neither is judged where it does worse (Python, CPU-bound at one stream, " +
    "loses a few % sharing its CPU with the mock)",
  rss: "peakRssMb: the client process's VmHWM at the end of its row (1024 streams: 1024 " +
    "connections, each with its read buffer)",
  soak: "our client alone at soakStreams for soakS seconds against a mock without ground " +
    "truth; VmRSS polled from /proc/<pid>/status, one sample a second; flatness as the CLI " +
    "soak's: highest RSS of the last quarter vs the second quarter",
};

/** Why the Python client cannot run, or undefined when it can. */
export async function aiohttpMissing(): Promise<string | undefined> {
  let out;
  try {
    out = await new Deno.Command(PYTHON, {
      args: ["-c", "import aiohttp"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
  } catch {
    out = undefined;
  }
  if (out?.success) return undefined;
  return `the LLM bench's Python client needs ${PYTHON} with aiohttp; install it with: ` +
    "apt-get update && apt-get install -y python3-aiohttp";
}

/** Why the one-cpu rows cannot run here (no taskset), or undefined when they can. */
export async function tasksetMissing(): Promise<string | undefined> {
  try {
    const out = await new Deno.Command("taskset", {
      args: ["-c", oneCpu(), "true"],
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).output();
    if (out.success) return undefined;
  } catch { /* not installed */ }
  return "the LLM bench's one-cpu rows pin processes with taskset; install it with: " +
    "apt-get update && apt-get install -y util-linux";
}

/** A child's stdout, line by line. */
class Lines {
  readonly #reader: ReadableStreamDefaultReader<string>;
  #buf = "";

  constructor(stream: ReadableStream<Uint8Array>) {
    this.#reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  }

  /** The next line, or undefined at the end of the stream. */
  async next(): Promise<string | undefined> {
    for (;;) {
      const nl = this.#buf.indexOf("\n");
      if (nl >= 0) {
        const line = this.#buf.slice(0, nl);
        this.#buf = this.#buf.slice(nl + 1);
        return line;
      }
      const { value, done } = await this.#reader.read();
      if (done) return undefined;
      this.#buf += value;
    }
  }

  /** Reads to the end so the child never blocks on a full pipe. */
  async drain(): Promise<void> {
    while (await this.next() !== undefined) { /* discarded */ }
  }
}

/** Kills `child` unless it has exited; never throws. */
function kill(child: Deno.ChildProcess): void {
  try {
    child.kill("SIGKILL");
  } catch { /* already gone */ }
}

/** Waits for `child` to exit, killing it after `seconds`. */
async function exited(child: Deno.ChildProcess, seconds: number): Promise<Deno.CommandStatus> {
  const timer = setTimeout(() => kill(child), seconds * 1000);
  try {
    return await child.status;
  } finally {
    clearTimeout(timer);
  }
}

/** The mock in its own process; `truth()` asks it for the requests it has finished since. */
class MockProcess {
  private constructor(
    readonly child: Deno.ChildProcess,
    readonly url: string,
    private readonly lines: Lines,
    private readonly stdin: WritableStreamDefaultWriter<Uint8Array>,
  ) {}

  static async start(
    baseMs: number,
    slots: number,
    truth: boolean,
    transport: OpenAiBenchPlan["transport"],
    placement: Placement = "scheduler",
  ): Promise<MockProcess> {
    const args = ["run", "-A", `${SCRIPTS}bench_openai_server.ts`, "--base-ms", String(baseMs)];
    args.push("--slots", String(slots), "--transport", transport);
    if (!truth) args.push("--no-truth");
    const [cmd, placed] = placedCommand(placement, Deno.execPath(), args);
    const child = new Deno.Command(cmd, {
      args: placed,
      cwd: REPO,
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    const lines = new Lines(child.stdout);
    const stdin = child.stdin.getWriter();
    const first = await lines.next();
    if (first === undefined || !first.startsWith("url ")) {
      kill(child);
      await child.status;
      throw new Error(`the mock process did not start (it printed ${JSON.stringify(first)})`);
    }
    return new MockProcess(child, first.slice(4), lines, stdin);
  }

  async truth(): Promise<MockRequest[]> {
    await this.stdin.write(new TextEncoder().encode("truth\n"));
    const line = await this.lines.next();
    if (line === undefined) throw new Error("the mock process ended before answering");
    return JSON.parse(line) as MockRequest[];
  }

  /** Closing stdin ends the mock; it is killed if it lingers. */
  async stop(): Promise<void> {
    await this.stdin.close().catch(() => {});
    await Promise.all([this.lines.drain(), exited(this.child, 10)]);
  }
}

interface ClientProcess {
  child: Deno.ChildProcess;
  lines: Lines;
  stderr: Promise<string>;
}

/**
 * The command and arguments that start `cmd args` with `placement`: under `taskset -c` for
 * one-cpu (taskset execs the command, so the child's pid is the command's own).
 */
function placedCommand(placement: Placement, cmd: string, args: string[]): [string, string[]] {
  return placement === "one-cpu" ? ["taskset", ["-c", oneCpu(), cmd, ...args]] : [cmd, args];
}

async function spawnClient(
  client: OpenAiClientName,
  plan: ClientPlan,
  placement: Placement = "scheduler",
): Promise<ClientProcess> {
  const json = JSON.stringify(plan);
  const [cmd, args] = placedCommand(
    placement,
    ...(client === "ours"
      ? [Deno.execPath(), ["run", ...await paTaskFlags(), `${SCRIPTS}bench_openai_client.ts`, json]]
      : [PYTHON, [`${SCRIPTS}bench_openai_aiohttp.py`, json]]) as [string, string[]],
  );
  const child = new Deno.Command(cmd, {
    args,
    cwd: REPO,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  return { child, lines: new Lines(child.stdout), stderr };
}

/** The client's next line, which must be `want` (a mark, or any JSON line for "report"). */
async function expect(c: ClientProcess, client: OpenAiClientName, want: string): Promise<string> {
  const line = await c.lines.next();
  if (line !== undefined && (want === "report" ? line.startsWith("{") : line === want)) {
    return line;
  }
  kill(c.child);
  await c.child.status;
  throw new Error(
    `the ${client} client printed ${JSON.stringify(line)} where "${want}" was due; stderr:\n` +
      tail(await c.stderr),
  );
}

function clientPlan(streams: number, plan: OpenAiBenchPlan, baseMs: number): ClientPlan {
  return {
    url: "",
    streams,
    warmupS: plan.warmupS,
    durationS: plan.seconds,
    baseMs,
    body: REQUEST_BODY,
    keepFirstTokens: true,
  };
}

/** The CPUs `pid` may run on, as /proc/<pid>/status lists them ("0-1", "0"). */
export async function cpusAllowed(pid: number): Promise<string> {
  return allowedList(await Deno.readTextFile(`/proc/${pid}/status`));
}

/** Run-queue wait so far of `pid`'s main (JavaScript) thread, seconds. */
async function runWaitSeconds(pid: number): Promise<number> {
  return parseSchedstat(await Deno.readTextFile(`/proc/${pid}/schedstat`)).waitS;
}

/**
 * CPU seconds so far of the mock, this process and the whole machine (busy time), and the
 * client's and the mock's run-queue waits.
 */
async function cpuReadings(mockPid: number, clientPid: number) {
  const u = process.cpuUsage();
  return {
    mock: await procCpuSeconds(mockPid),
    self: (u.user + u.system) / 1e6,
    busy: await systemBusySeconds(),
    mockWait: await runWaitSeconds(mockPid),
    clientWait: await runWaitSeconds(clientPid),
  };
}

/** One client at one stream count, placed as `placement` says, against a fresh mock process. */
export async function measureRow(
  client: OpenAiClientName,
  streams: number,
  plan: OpenAiBenchPlan,
  placement: Placement = "scheduler",
): Promise<OpenAiRow> {
  const baseMs = Math.floor(Date.now());
  const mock = await MockProcess.start(baseMs, streams, true, plan.transport, placement);
  try {
    const p = { ...clientPlan(streams, plan, baseMs), url: mock.url };
    const c = await spawnClient(client, p, placement);
    try {
      await expect(c, client, "window");
      const before = await cpuReadings(mock.child.pid, c.child.pid);
      const mockCpusAllowed = await cpusAllowed(mock.child.pid);
      const clientCpusAllowed = await cpusAllowed(c.child.pid);
      await expect(c, client, "end");
      const after = await cpuReadings(mock.child.pid, c.child.pid);
      const report = JSON.parse(await expect(c, client, "report")) as ClientReport;
      const status = await exited(c.child, GRACE_S);
      if (!status.success) throw new Error(`the ${client} client exited ${status.code}`);
      const mockCpuS = after.mock - before.mock;
      const otherCpuS = after.busy - before.busy - mockCpuS - (after.self - before.self) -
        report.cpuS;
      return openAiRow({
        client,
        placement,
        mockCpusAllowed,
        clientCpusAllowed,
        report,
        mock: await mock.truth(),
        mockCpuS,
        otherCpuS,
        clientWaitS: after.clientWait - before.clientWait,
        mockWaitS: after.mockWait - before.mockWait,
      });
    } finally {
      kill(c.child);
      await Promise.all([c.child.status, c.lines.drain(), c.stderr]);
    }
  } finally {
    await mock.stop();
  }
}

/** Our client alone for `soakS` seconds, its memory read from /proc once a second. */
export async function measureSoak(plan: OpenAiBenchPlan): Promise<OpenAiSoak> {
  const baseMs = Math.floor(Date.now());
  const mock = await MockProcess.start(baseMs, plan.soakStreams, false, plan.transport);
  try {
    const p: ClientPlan = {
      ...clientPlan(plan.soakStreams, plan, baseMs),
      url: mock.url,
      durationS: plan.soakS,
      keepFirstTokens: false,
    };
    const c = await spawnClient("ours", p);
    try {
      const lines: string[] = [];
      const read = (async () => {
        for (let l = await c.lines.next(); l !== undefined; l = await c.lines.next()) lines.push(l);
      })();
      const status = exited(c.child, plan.warmupS + plan.soakS + GRACE_S);
      const trace = await traceProcess(c.child.pid, status);
      await read;
      const report = lines.find((l) => l.startsWith("{"));
      if (!(await status).success || report === undefined) {
        throw new Error(`the soak's client failed; stderr:\n${tail(await c.stderr)}`);
      }
      const r = JSON.parse(report) as ClientReport;
      return {
        streams: r.streams,
        seconds: r.seconds,
        completed: r.completed,
        eventsPerSec: r.events / r.seconds,
        cpuUsPerEvent: (r.cpuS * 1e6) / r.events,
        ...summarizeRss(trace.rssSeriesMb, trace.hwmMb),
        rssSeriesMb: trace.rssSeriesMb.map((x) => Math.round(x * 10) / 10),
        failures: r.failures,
        firstError: r.firstError,
      };
    } finally {
      kill(c.child);
      await Promise.all([c.child.status, c.lines.drain(), c.stderr]);
    }
  } finally {
    await mock.stop();
  }
}

function rowLine(r: OpenAiRow): string {
  return `  ${r.client.padEnd(7)} ${String(r.streams).padStart(4)} streams (${r.placement}): ` +
    `${r.streamsPerSec.toFixed(0)} streams/s, ${r.eventsPerSec.toFixed(0)} events/s, ` +
    `${r.cpuUsPerEvent.toFixed(2)} CPU µs/event, TTFT overhead p99 ` +
    `${r.ttftOverheadP99Us.toFixed(0)} µs (TTFT − mock TTFT p99 ${r.ttftExcessP99Us.toFixed(0)} ` +
    `µs), peak RSS ${r.peakRssMb.toFixed(0)} MB, mock CPU ${r.mockCpuPct.toFixed(0)}%, other CPU ` +
    `${r.otherCpuPct.toFixed(0)}%, run-queue wait client ${r.clientRunWaitPct.toFixed(0)}% mock ` +
    `${r.mockRunWaitPct.toFixed(0)}%`;
}

/** Every row (ours then aiohttp at each count), then the soak; a row that breaks is a problem. */
export async function runOpenAiSection(
  plan: OpenAiBenchPlan,
  log: (line: string) => void,
): Promise<OpenAiSection> {
  const missing = await aiohttpMissing() ??
    (plan.oneCpuStreams.length > 0 ? await tasksetMissing() : undefined);
  if (missing !== undefined) throw new Error(missing);
  const loadavgAtStart = Deno.loadavg();
  log(
    `LLM rows: ${plan.warmupS} s warmup + ${plan.seconds} s per row at ` +
      `${plan.streams.join(", ")} streams, ours and Python asyncio + aiohttp (at ` +
      `${plan.oneCpuStreams.join(", ")} streams also both pinned to one CPU) ...`,
  );
  const rows: OpenAiRow[] = [];
  const broken: string[] = [];
  for (const streams of plan.streams) {
    const placements: Placement[] = plan.oneCpuStreams.includes(streams)
      ? ["scheduler", "one-cpu"]
      : ["scheduler"];
    for (const placement of placements) {
      for (const client of ["ours", "aiohttp"] as const) {
        const what = `${client} at ${streams} streams (${placement})`;
        try {
          const row = await measureRow(client, streams, plan, placement);
          log(rowLine(row));
          rows.push(row);
        } catch (e) {
          broken.push(`LLM ${what}: ${(e as Error).message}`);
          log(`  ${what} FAILED: ${(e as Error).message}`);
        }
      }
    }
  }
  let soak: OpenAiSoak | null = null;
  if (plan.soakS > 0) {
    log(`LLM soak: ours at ${plan.soakStreams} streams for ${plan.soakS} s ...`);
    try {
      soak = await measureSoak(plan);
    } catch (e) {
      broken.push(`LLM soak: ${(e as Error).message}`);
    }
  }
  return {
    date: new Date().toISOString(),
    loadavgAtStart,
    loadavgAtEnd: Deno.loadavg(),
    plan,
    method: METHOD,
    rows: rows.map(rounded),
    soak: soak && rounded(soak),
    targets: openAiTargets(rows, soak),
    problems: [...broken, ...openAiProblems(rows, soak)],
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      quick: { type: "boolean", default: false },
      soak: { type: "string" },
      transport: { type: "string", default: "raw" },
    },
    strict: true,
  });
  const soakS = values.soak === undefined ? undefined : Number(values.soak);
  const transport = values.transport;
  if (transport !== "raw" && transport !== "deno") {
    throw new RangeError("--transport must be raw or deno");
  }
  const plan = openAiPlan(values.quick ?? false, soakS, transport);
  const section = await runOpenAiSection(plan, (line) => console.log(line));
  console.log("\n" + openAiLines(section.rows, section.soak, section.targets).join("\n"));
  for (const p of section.problems) console.log(`INVALID: ${p}`);
}
