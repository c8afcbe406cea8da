/**
 * Our LLM client as the LLM bench measures it (scripts/bench_openai.ts): the openai backend's
 * channels driven by the Dispatcher (the closed loop perf_analyzer runs) against the mock, one
 * slot per stream. Slot k sends `x-request-id: bench-k`, so the k-th request of a slot is the k-th
 * request with that id at the mock, whose ground truth then says when it wrote the first token.
 *
 * Protocol (shared with scripts/bench_openai_aiohttp.py): prints `window` when the measured
 * window starts, `end` when it ends, then one JSON line, a {@link ClientReport}. Times are ns
 * since the epoch millisecond `baseMs`, the clock every bench process converts to.
 *
 * Run: deno run -A scripts/bench_openai_client.ts '<ClientPlan JSON>'
 */
import process from "node:process";
import { systemClock } from "../core/clock.ts";
import { Dispatcher, type DispatchSink } from "../core/load/dispatcher.ts";
import type { RequestSource } from "../core/data/request_source.ts";
import type { RequestRecord } from "../core/measure/record.ts";
import { OpenAiBackend } from "../backends/openai/mod.ts";
import {
  encodeOpenAiRequest,
  PAYLOAD_INPUT,
  type PreparedOpenAi,
} from "../backends/openai/request.ts";
import { resolveHttpTarget } from "../backends/net/http_url.ts";
import { encodeStringElements } from "../wire/kserve/bytes_tensor.ts";
import { parseProcStatus } from "./bench_proc.ts";
import { sinceBase } from "./bench_openai_server.ts";

export const MOCK_MODEL = "mock-llm";
export const ENDPOINT = "v1/chat/completions";

/** What a client process is asked to do (the same fields for both clients). */
export interface ClientPlan {
  /** HOST:PORT of the mock. */
  url: string;
  streams: number;
  warmupS: number;
  durationS: number;
  /** Epoch millisecond every reported time counts from. */
  baseMs: number;
  /** The JSON request body (chat completion with max_tokens; stream set by the client). */
  body: Record<string, unknown>;
  /** Keep each measured request's first-token time (off for the soak, whose run is long). */
  keepFirstTokens: boolean;
}

/** What a client process reports (the same fields for both clients). */
export interface ClientReport {
  client: string;
  streams: number;
  /** The measured window. */
  seconds: number;
  /** Streams completed in the window. */
  completed: number;
  /** SSE events read in the window ([DONE] included). */
  events: number;
  /** Output-bearing events in the window. */
  tokenEvents: number;
  /** Failed streams over the whole run, warmup included. */
  failures: number;
  firstError: string;
  /** User + system CPU of the whole process over the window. */
  cpuS: number;
  /** VmHWM of the process at the end (MB). */
  peakRssMb: number;
  /**
   * Per request completed in the window: [slot, nth request of that slot from 0 (warmup
   * included), first output event read, request sent], times in ns since baseMs; empty without
   * keepFirstTokens.
   */
  firstTokens: [number, number, number, number][];
}

export const REQUEST_ID_PREFIX = "bench-";

/** Grow-only columns of first-token samples: the hot path writes numbers, never objects. */
class Samples {
  slot = new Uint32Array(1024);
  nth = new Uint32Array(1024);
  ns = new Float64Array(1024);
  sentNs = new Float64Array(1024);
  length = 0;

  add(slot: number, nth: number, ns: number, sentNs: number): void {
    if (this.length === this.ns.length) {
      const grow = <T extends Uint32Array | Float64Array>(a: T, b: T): T => {
        b.set(a);
        return b;
      };
      const n = this.length * 2;
      this.slot = grow(this.slot, new Uint32Array(n));
      this.nth = grow(this.nth, new Uint32Array(n));
      this.ns = grow(this.ns, new Float64Array(n));
      this.sentNs = grow(this.sentNs, new Float64Array(n));
    }
    this.slot[this.length] = slot;
    this.nth[this.length] = nth;
    this.sentNs[this.length] = sentNs;
    this.ns[this.length++] = ns;
  }

  rows(): [number, number, number, number][] {
    return Array.from(
      { length: this.length },
      (_, i) => [this.slot[i], this.nth[i], this.ns[i], this.sentNs[i]],
    );
  }
}

/** Counts streams and events; in the window, keeps each request's first-token time. */
class StreamSink implements DispatchSink {
  completedInWindow = 0;
  events = 0;
  tokenEvents = 0;
  failures = 0;
  firstError = "";
  inWindow = false;
  readonly nthOf: Uint32Array;
  readonly samples = new Samples();

  constructor(
    streams: number,
    private readonly keep: boolean,
    private readonly toBase: (ns: number) => number,
  ) {
    this.nthOf = new Uint32Array(streams);
  }

  sent(): void {}

  completed(record: RequestRecord): void {
    const slot = record.context;
    const nth = this.nthOf[slot]++;
    if (record.outcome !== "ok") {
      this.failures++;
      if (this.firstError === "") {
        this.firstError = `${record.outcome} (HTTP ${record.status}): ${record.error}`;
      }
    }
    if (!this.inWindow) return;
    this.completedInWindow++;
    this.events += record.responseCount;
    this.tokenEvents += record.tokenEvents;
    if (this.keep && record.firstTokenNs > 0) {
      const toBase = this.toBase;
      this.samples.add(slot, nth, toBase(record.firstTokenNs), toBase(record.sendStartNs));
    }
  }
}

/** Slot k always sends its own prepared request (the one with its x-request-id). */
class PerSlotSource implements RequestSource {
  constructor(private readonly prepared: PreparedOpenAi[]) {}

  next(context: number, record: RequestRecord): PreparedOpenAi {
    record.context = context;
    return this.prepared[context];
  }
}

function preparedPerSlot(plan: ClientPlan): PreparedOpenAi[] {
  const hostHeader = resolveHttpTarget(plan.url, undefined).hostHeader;
  const bytes = encodeStringElements([JSON.stringify(plan.body)]);
  return Array.from({ length: plan.streams }, (_, k) =>
    encodeOpenAiRequest(
      {
        model: MOCK_MODEL,
        version: "",
        inputs: [{ name: PAYLOAD_INPUT, datatype: "BYTES", shape: [1], bytes }],
        outputs: [],
        batchSize: 1,
      },
      {
        hostHeader,
        headers: [["x-request-id", `${REQUEST_ID_PREFIX}${k}`]],
        endpoint: ENDPOINT,
        streaming: true,
        payloadFromData: true,
      },
    ));
}

function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

const sleep = (s: number) => new Promise((r) => setTimeout(r, s * 1000));

/** `mark` is called with "window" and "end" as the measured window starts and ends. */
export async function runClient(
  plan: ClientPlan,
  mark: (what: "window" | "end") => void,
): Promise<ClientReport> {
  const backend = new OpenAiBackend({
    url: plan.url,
    protocol: "http",
    headers: [],
    verbose: false,
    streaming: true,
    // Kernel receive stamps, the CLI's default where it can have them (auto), asked for by
    // name so a machine without them fails the row instead of measuring something else.
    own: {
      endpoint: ENDPOINT,
      tokenizer: "server",
      payloadFromData: true,
      receiveTimestamps: "kernel",
    },
  }, null);
  const toBase = sinceBase(plan.baseMs);
  const sink = new StreamSink(plan.streams, plan.keepFirstTokens, toBase);
  let w = { seconds: 0, cpuS: 0 };
  try {
    await backend.describe(MOCK_MODEL, "");
    const source = new PerSlotSource(preparedPerSlot(plan));
    const dispatcher = new Dispatcher(backend, source, systemClock, sink);
    try {
      await dispatcher.setConcurrency(plan.streams);
      await sleep(plan.warmupS);
      mark("window");
      sink.inWindow = true;
      const cpu0 = cpuSeconds();
      const t0 = performance.now();
      await sleep(plan.durationS);
      sink.inWindow = false;
      w = { seconds: (performance.now() - t0) / 1000, cpuS: cpuSeconds() - cpu0 };
      mark("end");
    } finally {
      await dispatcher.stop();
    }
  } finally {
    await backend.close();
  }
  return {
    client: `ours (Deno ${Deno.version.deno}, backends/openai)`,
    streams: plan.streams,
    seconds: w.seconds,
    completed: sink.completedInWindow,
    events: sink.events,
    tokenEvents: sink.tokenEvents,
    failures: sink.failures,
    firstError: sink.firstError,
    cpuS: w.cpuS,
    peakRssMb: parseProcStatus(await Deno.readTextFile("/proc/self/status")).hwmMb,
    firstTokens: sink.samples.rows(),
  };
}

if (import.meta.main) {
  const plan = JSON.parse(Deno.args[0]) as ClientPlan;
  const report = await runClient(plan, (what) => console.log(what));
  console.log(JSON.stringify(report));
}
