/**
 * Measures our client: the Triton HTTP backend driven by the project's Dispatcher (the loop
 * perf_analyzer itself runs) with a sink that only counts, so the numbers include every cost a
 * real run pays per request except histogram recording. Rate and CPU come from one window after
 * a warmup; RSS is sampled every 100 ms for the whole run.
 */
import process from "node:process";
import type { BackendOptions } from "../core/backend.ts";
import { systemClock } from "../core/clock.ts";
import { Dispatcher, type DispatchSink } from "../core/load/dispatcher.ts";
import type { RequestRecord } from "../core/measure/record.ts";
import { createTritonHttp } from "../backends/triton/http.ts";
import type { TritonOptions } from "../backends/triton/options.ts";
import { tritonOptions } from "../backends/triton/testing/options.ts";
import { MODEL, syntheticSpec } from "./bench_canned.ts";
import { roundRobin } from "../core/data/request_source.ts";

const MB = 1024 * 1024;
const RSS_SAMPLE_MS = 100;

export interface ClientRun {
  url: string;
  connections: number;
  warmupS: number;
  durationS: number;
}

export interface ClientResult {
  connections: number;
  seconds: number;
  /** Completed in the window (ok or not). */
  requests: number;
  reqPerSec: number;
  /** Failed requests over the whole run, warmup included: any makes the bench invalid. */
  failures: number;
  firstError: string;
  cpuUsPerReq: number;
  /** RSS before the backend existed, at window start, highest seen, at window end (MB). */
  rssBaselineMb: number;
  rssStartMb: number;
  rssPeakMb: number;
  rssEndMb: number;
  /** This process's user+system CPU from start to finish (startup, warmup, window, close). */
  cpuTotalS: number;
}

class CountingSink implements DispatchSink {
  completedCount = 0;
  failures = 0;
  firstError = "";

  sent(): void {}

  completed(record: RequestRecord): void {
    this.completedCount++;
    if (record.outcome === "ok") return;
    this.failures++;
    if (this.firstError === "") {
      this.firstError = `${record.outcome} (HTTP ${record.status}): ${record.error}`;
    }
  }
}

/** Peak RSS from a 100 ms timer; the timer shares the event loop, as a real run's would. */
export class RssSampler {
  peak = 0;
  #timer: ReturnType<typeof setInterval> | undefined;

  static nowMb(): number {
    return Deno.memoryUsage().rss / MB;
  }

  start(): void {
    this.peak = RssSampler.nowMb();
    this.#timer = setInterval(() => {
      const rss = RssSampler.nowMb();
      if (rss > this.peak) this.peak = rss;
    }, RSS_SAMPLE_MS);
  }

  stop(): number {
    clearInterval(this.#timer);
    this.#timer = undefined;
    return Math.max(this.peak, RssSampler.nowMb());
  }
}

export function benchBackendOptions(url: string): BackendOptions<TritonOptions> {
  return tritonOptions(url);
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

function cpuMicros(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

interface Window {
  seconds: number;
  requests: number;
  cpuMicros: number;
  rssStartMb: number;
  rssEndMb: number;
}

/** Connects, warms up, then counts completions and CPU over exactly one window. */
async function runWindow(
  dispatcher: Dispatcher,
  sink: CountingSink,
  run: ClientRun,
): Promise<Window> {
  await dispatcher.setConcurrency(run.connections);
  await sleep(run.warmupS);
  const rssStartMb = RssSampler.nowMb();
  const count0 = sink.completedCount;
  const cpu0 = cpuMicros();
  const t0 = performance.now();
  await sleep(run.durationS);
  const t1 = performance.now();
  const cpu1 = cpuMicros();
  return {
    seconds: (t1 - t0) / 1000,
    requests: sink.completedCount - count0,
    cpuMicros: cpu1 - cpu0,
    rssStartMb,
    rssEndMb: RssSampler.nowMb(),
  };
}

export async function measureClient(run: ClientRun): Promise<ClientResult> {
  const rss = new RssSampler();
  const rssBaselineMb = RssSampler.nowMb();
  rss.start();
  const backend = createTritonHttp(benchBackendOptions(run.url));
  const sink = new CountingSink();
  let w: Window;
  let rssPeakMb: number;
  try {
    await backend.describe(MODEL, "");
    const prepared = backend.prepare(syntheticSpec());
    const dispatcher = new Dispatcher(backend, roundRobin([prepared]), systemClock, sink);
    try {
      w = await runWindow(dispatcher, sink, run);
    } finally {
      await dispatcher.stop();
    }
  } finally {
    rssPeakMb = rss.stop();
    await backend.close();
  }
  return {
    connections: run.connections,
    seconds: w.seconds,
    requests: w.requests,
    reqPerSec: w.requests / w.seconds,
    failures: sink.failures,
    firstError: sink.firstError,
    cpuUsPerReq: w.requests > 0 ? w.cpuMicros / w.requests : NaN,
    rssBaselineMb,
    rssStartMb: w.rssStartMb,
    rssPeakMb,
    rssEndMb: w.rssEndMb,
    cpuTotalS: cpuMicros() / 1e6,
  };
}

/**
 * Runs measureClient in a fresh Deno process (this file as its entry), so each row's RSS and
 * CPU belong to that row alone, as they would in a real perf_analyzer run.
 */
export async function measureClientInProcess(run: ClientRun): Promise<ClientResult> {
  const args = [
    "run",
    "--allow-net=127.0.0.1",
    import.meta.filename ?? new URL(import.meta.url).pathname,
    run.url,
    String(run.connections),
    String(run.warmupS),
    String(run.durationS),
  ];
  const out = await new Deno.Command(Deno.execPath(), { args, stdin: "null" }).output();
  const text = new TextDecoder().decode(out.stdout);
  if (!out.success) {
    const err = new TextDecoder().decode(out.stderr);
    throw new Error(`the client process failed (exit ${out.code}):\n${text}${err}`);
  }
  return JSON.parse(text) as ClientResult;
}

if (import.meta.main) {
  const [url, connections, warmupS, durationS] = Deno.args;
  const result = await measureClient({
    url,
    connections: Number(connections),
    warmupS: Number(warmupS),
    durationS: Number(durationS),
  });
  console.log(JSON.stringify(result));
}
