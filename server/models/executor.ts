/**
 * Runs requests of one model: the sequence rules for a sequence model, a FIFO queue in front
 * of `instances` execution slots, then compute input (decode), compute infer (the model plus
 * simulated time), compute output (encode). Every phase is measured and folded into the
 * model's statistics. The output encoding is the caller's, so HTTP and gRPC share the
 * sequence state, the queue, the timing and the statistics.
 */
import type { InferRequest } from "../kserve/infer_request.ts";
import type { ModelSpec, Tensor } from "./mod.ts";
import { type ComputeTime, isZeroCompute, sampleComputeUs } from "../options.ts";
import { nowNs, StatsKeeper } from "./stats.ts";
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
  response: R;
}

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

  constructor(readonly spec: ModelSpec, readonly config: ExecutorConfig) {
    this.pool = new InstancePool(config.instances);
    const corrid = spec.sequence?.controls.find((c) => c.kind === "CONTROL_SEQUENCE_CORRID");
    this.sequences = spec.sequence === undefined
      ? undefined
      : new SequenceTracker(spec.name, corrid?.dataType === "BYTES");
    this.#zeroCompute = isZeroCompute(config.computeUs);
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
    try {
      return await this.#run(req, arrivalNs, encode, step);
    } finally {
      if (step !== undefined) this.sequences!.release(step);
    }
  }

  async #run<R>(
    req: InferRequest,
    arrivalNs: number,
    encode: OutputEncoder<R>,
    step: SequenceStep | undefined,
  ): Promise<R> {
    const queueStartNs = nowNs();
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
    const outputs = this.spec.execute(inputs, step);
    const ns = this.sampleComputeNs();
    // A stall holds the computation until it ends; the time shows as compute infer.
    const deadline = Math.max(
      inputEndNs + ns,
      stallEndNs(inputEndNs, this.config.originNs, this.config.stall),
    );
    if (deadline > inputEndNs) await waitUntil(deadline, this.config.busySpin);
    const inferEndNs = nowNs();
    const response = encode(this.spec, req, outputs);
    const outputEndNs = nowNs();
    return { inputEndNs, inferEndNs, outputEndNs, response };
  }
}
