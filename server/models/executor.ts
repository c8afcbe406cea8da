/**
 * Runs requests of one model: the sequence rules for a sequence model, a FIFO queue in front
 * of `instances` execution slots, then compute input (decode), compute infer (the model plus
 * simulated time), compute output (encode). Every phase is measured and folded into the
 * model's statistics. The output encoding is the caller's, so HTTP and gRPC share the
 * sequence state, the queue, the timing and the statistics.
 */
import type { InferRequest } from "../kserve/infer_request.ts";
import type { ModelCall, ModelSpec, Tensor } from "./mod.ts";
import { type ComputeTime, isZeroCompute, sampleComputeUs } from "../options.ts";
import { nowNs, type PhaseNs, StatsKeeper } from "./stats.ts";
import { decodeInput } from "../kserve/tensor_codec.ts";
import { InstancePool, waitUntil } from "../wait.ts";
import { type SequenceStep, SequenceTracker } from "./sequences.ts";
import { type Stall, stallEndNs } from "./stall.ts";

export interface ExecutorConfig {
  instances: number;
  computeUs: ComputeTime;
  /** Periodic stall (see stall.ts), counted from `originNs`. */
  stall?: Stall;
  originNs: number;
  /**
   * Poll through the last 2 ms of simulated compute instead of sleeping (Deno timers fire no
   * sooner than ~1-2 ms). It keeps a core busy, so only the Worker variant enables it.
   */
  busySpin: boolean;
}

/** Turns the model's outputs into one protocol's response (the compute-output phase). */
export type OutputEncoder<R> = (
  spec: ModelSpec,
  req: InferRequest,
  outputs: ReadonlyMap<string, Tensor>,
) => R;

/** Clock readings (integer ns) at the end of each compute phase, and what it produced. */
interface Phases<R> {
  inputEndNs: number;
  inferEndNs: number;
  outputEndNs: number;
  outputs: Map<string, Tensor>;
  response: R;
}

/** Responses a cached model keeps; the oldest goes first, so a long random run stays bounded. */
const CACHE_ENTRIES = 1024;

/** The response-cache key of a request: its inputs, as sent (Triton hashes the input buffers). */
function cacheKey(req: InferRequest): string {
  return JSON.stringify(
    req.inputs.map((i) => [i.name, i.datatype, i.shape, i.json ?? Array.from(i.binary ?? [])]),
  );
}

/** Finds another model's executor by name (the models a pipeline model calls). */
export type ExecutorLookup = (model: string) => ModelExecutor;

/** Decodes every input of a validated request (the compute-input phase). */
export function decodeInputs(spec: ModelSpec, req: InferRequest): Map<string, Tensor> {
  const inputs = new Map<string, Tensor>();
  const raw = spec.rawInputs === true;
  for (const input of req.inputs) inputs.set(input.name, decodeInput(input, raw));
  return inputs;
}

export class ModelExecutor {
  readonly stats = new StatsKeeper();
  readonly pool: InstancePool;
  /** Sequence models only: the sequence rules, state and ground truth. */
  readonly sequences: SequenceTracker | undefined;
  readonly #zeroCompute: boolean;
  /** Responses by request inputs, for a model with the response cache on. */
  readonly #cache: Map<string, Map<string, Tensor>> | undefined;

  constructor(
    readonly spec: ModelSpec,
    readonly config: ExecutorConfig,
    private readonly lookup?: ExecutorLookup,
  ) {
    this.pool = new InstancePool(config.instances);
    const corrid = spec.sequence?.controls.find((c) => c.kind === "CONTROL_SEQUENCE_CORRID");
    this.sequences = spec.sequence === undefined
      ? undefined
      : new SequenceTracker(spec.name, corrid?.dataType === "BYTES");
    this.#zeroCompute = isZeroCompute(config.computeUs);
    this.#cache = spec.responseCache ? new Map() : undefined;
  }

  /** Requests waiting for an instance right now. */
  get queued(): number {
    return this.pool.queued;
  }

  /** One draw of the simulated compute time in ns (0 without the timer machinery). */
  sampleComputeNs(): number {
    if (this.#zeroCompute) return 0;
    return Math.round(sampleComputeUs(this.config.computeUs) * 1000);
  }

  /** Counts a request that failed before it could run (validation). */
  recordFailure(arrivalNs: number): void {
    this.stats.recordFailure(arrivalNs, nowNs());
  }

  /**
   * Runs a validated request; a refusal by the sequence rules or a model error is counted as
   * a failure and rethrown. A sequence step is released before the response is handed back,
   * so a client that waits for it never sees its next step counted as overlapping.
   */
  async execute<R>(req: InferRequest, arrivalNs: number, encode: OutputEncoder<R>): Promise<R> {
    let step: SequenceStep | undefined;
    if (this.sequences !== undefined) {
      try {
        // Admission happens here, synchronously, so steps are admitted in arrival order.
        step = this.sequences.admit(req);
      } catch (e) {
        this.stats.recordFailure(arrivalNs, nowNs());
        throw e;
      }
    }
    if (this.spec.ensemble !== undefined) {
      return await this.#runEnsemble(
        decodeInputs(this.spec, req),
        arrivalNs,
        (outputs) => encode(this.spec, req, outputs),
      );
    }
    try {
      return await this.#run(req, arrivalNs, encode, step);
    } finally {
      if (step !== undefined) this.sequences!.release(step);
    }
  }

  /**
   * A request from another model of this server (an ensemble step, a BLS call): already decoded
   * inputs, outputs handed back as tensors, counted in this model's statistics like any other.
   */
  async call(
    inputs: Map<string, Tensor>,
  ): Promise<{ outputs: Map<string, Tensor>; phases: PhaseNs }> {
    const queueStartNs = nowNs();
    if (this.spec.ensemble !== undefined) {
      let phases: PhaseNs | undefined;
      const outputs = await this.#runEnsemble(inputs, queueStartNs, (o, p) => {
        phases = p;
        return o;
      });
      return { outputs, phases: phases! };
    }
    const wait = this.pool.acquire();
    if (wait !== undefined) await wait;
    const computeStartNs = nowNs();
    let outputs: Map<string, Tensor>;
    let inferEndNs: number;
    try {
      outputs = await this.#infer(inputs, computeStartNs, undefined);
      inferEndNs = nowNs();
    } catch (e) {
      this.pool.release();
      this.stats.recordFailure(queueStartNs, nowNs());
      throw e;
    }
    this.pool.release();
    const times = {
      arrivalNs: queueStartNs,
      queueStartNs,
      computeStartNs,
      inputEndNs: computeStartNs,
      inferEndNs,
      outputEndNs: inferEndNs,
    };
    this.stats.recordSuccess(times, batchOf(this.spec, inputs));
    return {
      outputs,
      phases: {
        queueNs: computeStartNs - queueStartNs,
        inputNs: 0,
        inferNs: inferEndNs - computeStartNs,
        outputNs: 0,
      },
    };
  }

  /**
   * An ensemble: no queue or instance of its own; its steps run on their models, and its own
   * statistics count one request whose queue and compute times are its steps' summed.
   */
  async #runEnsemble<R>(
    inputs: Map<string, Tensor>,
    arrivalNs: number,
    encode: (outputs: Map<string, Tensor>, phases: PhaseNs) => R,
  ): Promise<R> {
    const phases: PhaseNs = { queueNs: 0, inputNs: 0, inferNs: 0, outputNs: 0 };
    const call: ModelCall = async (model, stepInputs) => {
      const r = await this.lookup!(model).call(stepInputs);
      phases.queueNs += r.phases.queueNs;
      phases.inputNs += r.phases.inputNs;
      phases.inferNs += r.phases.inferNs;
      phases.outputNs += r.phases.outputNs;
      return r.outputs;
    };
    let response: R;
    try {
      response = encode(await this.spec.execute(inputs, undefined, call), phases);
    } catch (e) {
      this.stats.recordFailure(arrivalNs, nowNs());
      throw e;
    }
    this.stats.recordEnsemble(arrivalNs, nowNs(), phases, batchOf(this.spec, inputs));
    return response;
  }

  async #run<R>(
    req: InferRequest,
    arrivalNs: number,
    encode: OutputEncoder<R>,
    step: SequenceStep | undefined,
  ): Promise<R> {
    const queueStartNs = nowNs();
    let key = "";
    let lookupNs = 0;
    if (this.#cache !== undefined) {
      // The lookup comes before the instance queue: a hit never waits for an instance.
      const lookupStartNs = nowNs();
      key = cacheKey(req);
      const hit = this.#cache.get(key);
      if (hit !== undefined) {
        const response = encode(this.spec, req, hit);
        this.stats.recordCacheHit(arrivalNs, queueStartNs, lookupStartNs, nowNs());
        return response;
      }
      lookupNs = nowNs() - lookupStartNs;
    }
    const wait = this.pool.acquire();
    if (wait !== undefined) await wait;
    const computeStartNs = nowNs();
    let phases: Phases<R>;
    try {
      phases = await this.#compute(req, encode, step);
    } catch (e) {
      this.pool.release();
      this.stats.recordFailure(arrivalNs, nowNs());
      throw e;
    }
    this.pool.release();
    const { inputEndNs, inferEndNs, outputEndNs, response } = phases;
    if (this.#cache !== undefined) {
      const insertStartNs = nowNs();
      if (this.#cache.size >= CACHE_ENTRIES) this.#cache.delete(this.#cache.keys().next().value!);
      this.#cache.set(key, phases.outputs);
      this.stats.recordCacheMiss(lookupNs + nowNs() - insertStartNs);
    }
    this.stats.recordSuccess(
      { arrivalNs, queueStartNs, computeStartNs, inputEndNs, inferEndNs, outputEndNs },
      req.batchSize,
    );
    return response;
  }

  /**
   * The three compute phases, run while the caller holds an instance. The model runs
   * synchronously on getting the instance, and instances are handed out FIFO, so steps of one
   * sequence update its state in the order they were admitted.
   */
  async #compute<R>(
    req: InferRequest,
    encode: OutputEncoder<R>,
    step: SequenceStep | undefined,
  ): Promise<Phases<R>> {
    const inputs = decodeInputs(this.spec, req);
    const inputEndNs = nowNs();
    const outputs = await this.#infer(inputs, inputEndNs, step);
    const inferEndNs = nowNs();
    const response = encode(this.spec, req, outputs);
    const outputEndNs = nowNs();
    return { inputEndNs, inferEndNs, outputEndNs, outputs, response };
  }

  /**
   * The model, then its simulated compute time (measured from `startNs`); a model that calls
   * others (BLS) waits for their answers inside this phase, as in Triton.
   */
  async #infer(
    inputs: Map<string, Tensor>,
    startNs: number,
    step: SequenceStep | undefined,
  ): Promise<Map<string, Tensor>> {
    const result = this.spec.execute(inputs, step, this.#call);
    // Plain models answer synchronously; awaiting only promises keeps their path as it was.
    const outputs = result instanceof Promise ? await result : result;
    const ns = this.sampleComputeNs();
    // A stall holds the computation until it ends; the time shows as compute infer.
    const deadline = Math.max(
      startNs + ns,
      stallEndNs(startNs, this.config.originNs, this.config.stall),
    );
    if (deadline > startNs) await waitUntil(deadline, this.config.busySpin);
    return outputs;
  }

  /** What a BLS model's `execute` calls: a request on another model, its outputs back. */
  readonly #call: ModelCall = async (model, inputs) =>
    (await this.lookup!(model).call(inputs)).outputs;
}

/** The batch size of decoded inputs: the first dimension when the model batches. */
function batchOf(spec: ModelSpec, inputs: ReadonlyMap<string, Tensor>): number {
  if (spec.maxBatchSize === 0) return 0;
  return inputs.values().next().value?.shape[0] ?? 1;
}
