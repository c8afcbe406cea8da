/** Starts the reference server inside a Worker and talks to it by postMessage. */
import type { ModelStats } from "./models/stats.ts";
import { resolveOptions, type ServerOptions } from "./options.ts";
import type { SequenceStats } from "./models/sequences.ts";
import type { ShmTraffic } from "./models/shm_registry.ts";
import type { OpenAiRequestTruth } from "./openai/truth.ts";
import type { ParameterSetTruth } from "./models/parameter_log.ts";

export interface ReferenceServerRemote {
  readonly host: string;
  readonly httpPort: number;
  /** "HOST:PORT" without a scheme, as perf_analyzer's -u takes it. */
  readonly url: string;
  /** The gRPC port, undefined when the server was started without `grpcPort`. */
  readonly grpcPort: number | undefined;
  /** "HOST:PORT" of the gRPC listener, or undefined. */
  readonly grpcUrl: string | undefined;
  /** The TF Serving gRPC port, undefined without `tfservingPort`. */
  readonly tfservingPort: number | undefined;
  /** "HOST:PORT" of the TF Serving gRPC listener, or undefined. */
  readonly tfservingUrl: string | undefined;
  /** "HOST:PORT/metrics" of the metrics listener (fixed simulated GPUs), or undefined. */
  readonly metricsUrl: string | undefined;
  /** The exact cumulative counters the server keeps (one postMessage round trip). */
  groundTruth(model: string): Promise<ModelStats>;
  /** The sequence ground truth of a sequence model (one postMessage round trip). */
  sequences(model: string): Promise<SequenceStats>;
  /** Shared-memory regions and traffic (one postMessage round trip). */
  shmTraffic(): Promise<ShmTraffic>;
  /**
   * The OpenAI mock's ground truth (one postMessage round trip), as ReferenceServer.openaiTruth
   * gives it but with every time shifted onto this thread's nowNs() clock: a Worker's
   * performance.now() counts from its own start.
   */
  openaiTruth(clear?: boolean): Promise<OpenAiRequestTruth[]>;
  /** The custom gRPC request parameters `model` received (one postMessage round trip). */
  requestParameters(model: string): Promise<ParameterSetTruth[]>;
  /** Shuts the listener down, then terminates the Worker. */
  close(): Promise<void>;
}

/** Main thread to worker (structured-clone safe). */
export type ToWorker =
  | { type: "start"; options: ServerOptions }
  | { type: "groundTruth"; id: number; model: string }
  | { type: "sequences"; id: number; model: string }
  | { type: "shmTraffic"; id: number; model: "" }
  | { type: "openaiTruth"; id: number; model: "clear" | "keep" }
  | { type: "requestParameters"; id: number; model: string }
  | { type: "close" };

/** Worker to main thread. */
export type FromWorker =
  | {
    type: "started";
    host: string;
    httpPort: number;
    url: string;
    grpcPort: number | undefined;
    grpcUrl: string | undefined;
    tfservingPort: number | undefined;
    tfservingUrl: string | undefined;
    metricsUrl: string | undefined;
    /** The Worker's performance.timeOrigin, to shift its clock readings onto ours. */
    timeOrigin: number;
  }
  | { type: "startFailed"; name: string; message: string }
  | {
    type: "groundTruth";
    id: number;
    stats:
      | ModelStats
      | SequenceStats
      | ShmTraffic
      | OpenAiRequestTruth[]
      | ParameterSetTruth[]
      | undefined;
    error: string;
  }
  | { type: "closed" };

type Query = Extract<ToWorker, { id: number }>;
type Started = Extract<FromWorker, { type: "started" | "startFailed" }>;

class RemoteServer implements ReferenceServerRemote {
  host = "";
  httpPort = 0;
  url = "";
  grpcPort: number | undefined = undefined;
  grpcUrl: string | undefined = undefined;
  tfservingPort: number | undefined = undefined;
  tfservingUrl: string | undefined = undefined;
  metricsUrl: string | undefined = undefined;
  /** Add to a Worker nowNs() reading to get this thread's. */
  #clockShiftNs = 0;
  readonly #worker = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
  /** Queries awaiting their reply; each knows what kind of stats it asked for. */
  readonly #pending = new Map<number, { resolve(s: unknown): void; reject(e: Error): void }>();
  #nextId = 1;
  #onStart: ((m: Started) => void) | undefined;
  #onClosed: (() => void) | undefined;
  #dead: Error | undefined;
  #closing: Promise<void> | undefined;

  constructor() {
    this.#worker.onmessage = (e: MessageEvent<FromWorker>) => this.#receive(e.data);
    this.#worker.onerror = (e: ErrorEvent) => {
      e.preventDefault();
      this.#dead = new Error(`Reference server worker failed: ${e.message}`);
      for (const p of this.#pending.values()) p.reject(this.#dead);
      this.#pending.clear();
      this.#onStart?.({ type: "startFailed", name: "Error", message: this.#dead.message });
      this.#onClosed?.();
    };
  }

  #receive(msg: FromWorker): void {
    if (msg.type === "groundTruth") {
      const p = this.#pending.get(msg.id);
      this.#pending.delete(msg.id);
      if (msg.stats !== undefined) p?.resolve(msg.stats);
      else p?.reject(new RangeError(msg.error));
    } else if (msg.type === "closed") this.#onClosed?.();
    else this.#onStart?.(msg);
  }

  async start(options: ServerOptions): Promise<void> {
    const started = await new Promise<Started>((resolve) => {
      this.#onStart = resolve;
      this.#worker.postMessage({ type: "start", options } satisfies ToWorker);
    });
    this.#onStart = undefined;
    if (started.type === "startFailed") {
      this.#worker.terminate();
      const { name, message } = started;
      throw name === "RangeError" ? new RangeError(message) : new Error(message);
    }
    this.host = started.host;
    this.httpPort = started.httpPort;
    this.url = started.url;
    this.grpcPort = started.grpcPort;
    this.grpcUrl = started.grpcUrl;
    this.tfservingPort = started.tfservingPort;
    this.tfservingUrl = started.tfservingUrl;
    this.metricsUrl = started.metricsUrl;
    this.#clockShiftNs = Math.round((started.timeOrigin - performance.timeOrigin) * 1e6);
  }

  groundTruth(model: string): Promise<ModelStats> {
    return this.#query("groundTruth", model);
  }

  sequences(model: string): Promise<SequenceStats> {
    return this.#query("sequences", model);
  }

  shmTraffic(): Promise<ShmTraffic> {
    return this.#query("shmTraffic", "");
  }

  async openaiTruth(clear = false): Promise<OpenAiRequestTruth[]> {
    const truth = await this.#query<OpenAiRequestTruth[]>("openaiTruth", clear ? "clear" : "keep");
    const shift = this.#clockShiftNs;
    for (const t of truth) {
      t.arrivalNs += shift;
      t.startNs += shift;
      t.headersNs += shift;
      t.endNs += shift;
      for (const e of t.events) {
        e.ns += shift;
        e.dueNs += shift;
      }
      for (let i = 0; i < t.writeNs.length; i++) t.writeNs[i] += shift;
    }
    return truth;
  }

  requestParameters(model: string): Promise<ParameterSetTruth[]> {
    return this.#query("requestParameters", model);
  }

  #query<T>(type: Query["type"], model: Query["model"]): Promise<T> {
    if (this.#dead !== undefined) return Promise.reject(this.#dead);
    if (this.#closing !== undefined) {
      return Promise.reject(new Error("Cannot report ground truth: server is closed"));
    }
    return new Promise<T>((resolve, reject) => {
      const id = this.#nextId++;
      this.#pending.set(id, { resolve: resolve as (s: unknown) => void, reject });
      this.#worker.postMessage({ type, id, model } as Query satisfies ToWorker);
    });
  }

  close(): Promise<void> {
    this.#closing ??= new Promise<void>((resolve) => {
      if (this.#dead !== undefined) return resolve();
      this.#onClosed = resolve;
      this.#worker.postMessage({ type: "close" } satisfies ToWorker);
    }).then(() => this.#worker.terminate());
    return this.#closing;
  }
}

/** Rejects (RangeError) on invalid options before any Worker is created. */
export async function startServerWorker(
  options: ServerOptions = {},
): Promise<ReferenceServerRemote> {
  resolveOptions(options);
  const server = new RemoteServer();
  await server.start(options);
  return server;
}
