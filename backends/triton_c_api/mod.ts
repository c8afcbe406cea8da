/**
 * The Triton in-process C API backend, loaded by its descriptor's create()
 * (backends/triton_c_api/descriptor.ts): libtritonserver.so is loaded with Deno.dlopen from
 * --triton-server-directory and serves --model-repository inside this process
 * (docs/protocols.md §6). Every request is asynchronous underneath (ServerInferAsync), and
 * completions come back through the completion queue (backends/triton_c_api/engine.ts).
 *
 * Model version: "" asks the server's version policy (-1). perf_analyzer sends version 1
 * instead, which fails for repositories without a version 1.
 */
import type {
  AllModelStatsCapability,
  Backend,
  BackendCapabilities,
  BackendOptions,
  Channel,
  ConnectOptions,
  ModelInfo,
  ModelStats,
  PreparedRequest,
  RequestSpec,
  ServerStatsCapability,
  VersionedModelStats,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { CapiEngine } from "./engine.ts";
import { PreparedCapi } from "./requests.ts";
import { InProcessServer } from "./server.ts";
import { asObject } from "../shared/json_fields.ts";
import { normalizeModelInfo, withComposing } from "../shared/model_info.ts";
import { parseAllModelStats, parseModelStats } from "../shared/model_stats.ts";
import type { CapiOptions } from "./options.ts";

/** -x as the C API's int64 version: "" → -1 (latest per policy); else a non-negative integer. */
export function modelVersionNumber(version: string): bigint {
  if (version === "") return -1n;
  if (!/^\d+$/.test(version)) {
    throw new RunError(
      `Failed to get model version from specified version string '${version}': version ` +
        "should be an integral value > 0",
    );
  }
  return BigInt(version);
}

function folderExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

export class TritonCapiBackend implements Backend, ServerStatsCapability, AllModelStatsCapability {
  readonly kind = "triton_c_api";
  /**
   * As in perf_analyzer, whose C API mode has no stream: decoupled models are refused (the
   * engine would count their responses, but nothing tests that against a decoupled model yet).
   */
  readonly capabilities: BackendCapabilities = { responses: "one" };
  #start: Promise<{ host: InProcessServer; engine: CapiEngine }> | undefined;
  #closed = false;

  constructor(
    private readonly options: BackendOptions<CapiOptions>,
    private readonly clock: Clock,
  ) {}

  /** Starts the in-process server on first use (describe is the first call of a run). */
  #started(): Promise<{ host: InProcessServer; engine: CapiEngine }> {
    this.#start ??= (async () => {
      const dir = this.options.own.serverDirectory;
      const repo = this.options.own.modelRepository;
      for (const path of [dir, repo]) {
        if (!folderExists(path)) throw new RunError(`Unable to find filepath: ${path}`);
      }
      const host = await InProcessServer.start({
        serverDirectory: dir,
        modelRepository: repo,
        verbose: this.options.verbose,
        stdout: this.options.stdout ??
          ((t) => void Deno.stdout.writeSync(new TextEncoder().encode(t))),
        stderr: this.options.stderr ??
          ((t) => void Deno.stderr.writeSync(new TextEncoder().encode(t))),
      });
      const engine = new CapiEngine(host, this.clock);
      return { host, engine };
    })();
    return this.#start;
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    const { host } = await this.#started();
    const v = modelVersionNumber(version);
    await host.waitModel(model, v);
    const metadata = host.modelMetadata(model, v);
    const config = asObject(host.modelConfig(model, v)) ?? {};
    return await withComposing(
      normalizeModelInfo(metadata, config, version),
      config,
      (m, ver) => Promise.resolve(asObject(host.modelConfig(m, modelVersionNumber(ver))) ?? {}),
    );
  }

  prepare(spec: RequestSpec): PreparedRequest {
    if (this.#start === undefined) throw new RunError("describe() must run before prepare()");
    return new PreparedCapi(spec, modelVersionNumber(spec.version));
  }

  async connect(options: ConnectOptions = {}): Promise<Channel> {
    const { engine } = await this.#started();
    return new CapiChannel(engine, this.clock, options.captureOutputs === true);
  }

  async close(): Promise<void> {
    if (this.#closed || this.#start === undefined) return;
    this.#closed = true;
    let started;
    try {
      started = await this.#start;
    } catch {
      return; // start failed and cleaned up after itself
    }
    await started.engine.close();
  }

  async serverStats(model: string, version: string): Promise<ModelStats | undefined> {
    const { host } = await this.#started();
    return parseModelStats(
      host.modelStatistics(model, modelVersionNumber(version)),
      model,
      version,
    );
  }
  /** An empty model name asks the in-process server for every model's statistics. */
  async allModelStats(): Promise<VersionedModelStats[]> {
    const { host } = await this.#started();
    return parseAllModelStats(host.modelStatistics("", -1n));
  }
}

/** All channels share the backend's engine: there is no connection to own. */
class CapiChannel implements Channel {
  #closed = false;

  constructor(
    private readonly engine: CapiEngine,
    private readonly clock: Clock,
    private readonly capture: boolean,
  ) {}

  send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    if (!(prepared instanceof PreparedCapi)) {
      record.fail("protocol_error", "request was not prepared by the triton_c_api backend", 0);
      return Promise.resolve();
    }
    if (this.#closed) {
      record.fail("cancelled", "channel closed", this.clock.nowNs());
      return Promise.resolve();
    }
    return this.engine.send(prepared, record, this.capture);
  }

  close(): void {
    this.#closed = true;
  }
}

export function createCapiBackend(options: BackendOptions<CapiOptions>): Backend {
  return new TritonCapiBackend(options, systemClock);
}
