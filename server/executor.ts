/**
 * Runs requests of one model: a FIFO queue in front of `instances` execution slots, then
 * compute input (decode), compute infer (the model plus simulated time), compute output
 * (encode). Every phase is measured and folded into the model's statistics.
 */
import { setImmediate } from "node:timers";
import type { InferRequest } from "./infer_request.ts";
import { type EncodedResponse, encodeInferResponse } from "./infer_response.ts";
import type { ModelSpec, Tensor } from "./models.ts";
import { type ComputeTime, isZeroCompute, sampleComputeUs } from "./options.ts";
import { nowNs, StatsKeeper } from "./stats.ts";
import { decodeInput } from "./tensor_codec.ts";

export interface ExecutorConfig {
  instances: number;
  computeUs: ComputeTime;
  /**
   * Poll through the last 2 ms of simulated compute instead of sleeping (Deno timers fire no
   * sooner than ~1-2 ms). It keeps a core busy, so only the Worker variant enables it.
   */
  busySpin: boolean;
}

/** Clock readings (integer ns) at the end of each compute phase, and what it produced. */
interface Phases {
  inputEndNs: number;
  inferEndNs: number;
  outputEndNs: number;
  response: EncodedResponse;
}

const SPIN_BELOW_NS = 2_000_000;

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One turn of the event loop: I/O callbacks run before it resolves. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Waits until `deadlineNs` on the monotonic clock. The last 2 ms are polled once per event-loop
 * turn rather than spun in a tight loop: a tight spin would block every other instance (and
 * the listener) of this single-threaded server, hiding queueing as unaccounted socket wait.
 */
async function waitUntil(deadlineNs: number, busySpin: boolean): Promise<void> {
  // Bounded: each pass returns, polls one loop turn nearer, or sleeps >= 1 ms toward it.
  for (let remaining = deadlineNs - nowNs(); remaining > 0; remaining = deadlineNs - nowNs()) {
    if (busySpin && remaining < SPIN_BELOW_NS) {
      await nextTurn();
      continue;
    }
    const sleepNs = busySpin ? remaining - SPIN_BELOW_NS : remaining;
    await sleepMs(Math.max(1, Math.ceil(sleepNs / 1e6)));
  }
}

export class ModelExecutor {
  readonly stats = new StatsKeeper();
  #busy = 0;
  /** Waiters in arrival order; `#head` avoids O(n) shifts under a long queue. */
  #waiters: (() => void)[] = [];
  #head = 0;
  readonly #zeroCompute: boolean;

  constructor(readonly spec: ModelSpec, private readonly config: ExecutorConfig) {
    this.#zeroCompute = isZeroCompute(config.computeUs);
  }

  /** Resolves when the caller owns an instance; undefined when one was free at once. */
  #acquire(): Promise<void> | undefined {
    if (this.#busy < this.config.instances) {
      this.#busy++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  #release(): void {
    if (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#head);
        this.#head = 0;
      }
      next(); // the instance passes straight to the oldest waiter
      return;
    }
    this.#busy--;
  }

  /** Requests waiting for an instance right now. */
  get queued(): number {
    return this.#waiters.length - this.#head;
  }

  /** Counts a request that failed before it could run (validation). */
  recordFailure(arrivalNs: number): void {
    this.stats.recordFailure(arrivalNs, nowNs());
  }

  /** Runs a validated request; a model error is counted as a failure and rethrown. */
  async execute(req: InferRequest, arrivalNs: number): Promise<EncodedResponse> {
    const queueStartNs = nowNs();
    const wait = this.#acquire();
    if (wait !== undefined) await wait;
    const computeStartNs = nowNs();
    let phases: Phases;
    try {
      phases = await this.#compute(req);
    } catch (e) {
      this.#release();
      this.stats.recordFailure(arrivalNs, nowNs());
      throw e;
    }
    this.#release();
    const { inputEndNs, inferEndNs, outputEndNs, response } = phases;
    this.stats.recordSuccess(
      { arrivalNs, queueStartNs, computeStartNs, inputEndNs, inferEndNs, outputEndNs },
      req.batchSize,
    );
    return response;
  }

  /** The three compute phases, run while the caller holds an instance. */
  async #compute(req: InferRequest): Promise<Phases> {
    const inputs = new Map<string, Tensor>();
    for (const raw of req.inputs) inputs.set(raw.name, decodeInput(raw));
    const inputEndNs = nowNs();
    const outputs = this.spec.execute(inputs);
    if (!this.#zeroCompute) {
      const us = sampleComputeUs(this.config.computeUs);
      if (us > 0) await waitUntil(inputEndNs + Math.round(us * 1000), this.config.busySpin);
    }
    const inferEndNs = nowNs();
    const response = encodeInferResponse(this.spec, req, outputs);
    const outputEndNs = nowNs();
    return { inputEndNs, inferEndNs, outputEndNs, response };
  }
}
