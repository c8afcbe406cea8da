/**
 * Cumulative per-model statistics with Triton's semantics (docs/protocols.md §1.10). Every value
 * is an integer: durations are differences of integer-nanosecond clock readings.
 */

/**
 * A model's cumulative counters as the tests read them (the server's ground truth). The field
 * names match the client's per-model statistics so tests compare the two directly; the type is
 * declared here because the reference server imports nothing of the client's.
 */
export interface ModelStats {
  inferenceCount: number;
  executionCount: number;
  successCount: number;
  successNs: number;
  queueCount: number;
  queueNs: number;
  computeInputCount: number;
  computeInputNs: number;
  computeInferCount: number;
  computeInferNs: number;
  computeOutputCount: number;
  computeOutputNs: number;
  cacheHitCount: number;
  cacheHitNs: number;
  cacheMissCount: number;
  cacheMissNs: number;
}

/** Monotonic clock in integer nanoseconds. */
export function nowNs(): number {
  return Math.round(performance.now() * 1e6);
}

interface Duration {
  count: number;
  ns: number;
}

interface BatchStats {
  computeInput: Duration;
  computeInfer: Duration;
  computeOutput: Duration;
}

/** Clock readings of one successful execution, in integer nanoseconds. */
export interface ExecutionTimes {
  /** The request was fully received. */
  arrivalNs: number;
  /** The validated request joined the model's queue. */
  queueStartNs: number;
  /** An instance picked it up. */
  computeStartNs: number;
  inputEndNs: number;
  inferEndNs: number;
  /** The response body was ready. */
  outputEndNs: number;
}

/** What one request spent in each phase, in ns (an ensemble adds up its steps'). */
export interface PhaseNs {
  queueNs: number;
  inputNs: number;
  inferNs: number;
  outputNs: number;
}

/** Per-response-index statistics of decoupled models (`response_stats`). */
interface ResponseStats {
  computeInfer: Duration;
  computeOutput: Duration;
  success: Duration;
  emptyResponse: Duration;
}

const zero = (): Duration => ({ count: 0, ns: 0 });

function add(d: Duration, ns: number): void {
  d.count++;
  d.ns += ns;
}

export class StatsKeeper {
  lastInferenceMs = 0;
  inferenceCount = 0;
  executionCount = 0;
  readonly success = zero();
  readonly fail = zero();
  readonly queue = zero();
  readonly computeInput = zero();
  readonly computeInfer = zero();
  readonly computeOutput = zero();
  readonly cacheHit = zero();
  readonly cacheMiss = zero();
  readonly batches = new Map<number, BatchStats>();
  readonly responses = new Map<number, ResponseStats>();

  /** One request, executed alone: one execution of `batchSize` inferences. */
  recordSuccess(t: ExecutionTimes, batchSize: number): void {
    const input = t.inputEndNs - t.computeStartNs;
    const infer = t.inferEndNs - t.inputEndNs;
    const output = t.outputEndNs - t.inferEndNs;
    add(this.success, t.outputEndNs - t.arrivalNs);
    add(this.queue, t.computeStartNs - t.queueStartNs);
    add(this.computeInput, input);
    add(this.computeInfer, infer);
    add(this.computeOutput, output);
    // A model without batching (batch 0) still runs one inference per request.
    const size = Math.max(1, batchSize);
    this.inferenceCount += size;
    this.executionCount++;
    let b = this.batches.get(size);
    if (b === undefined) {
      b = { computeInput: zero(), computeInfer: zero(), computeOutput: zero() };
      this.batches.set(size, b);
    }
    add(b.computeInput, input);
    add(b.computeInfer, infer);
    add(b.computeOutput, output);
    this.lastInferenceMs = Date.now();
  }

  /**
   * One request of an ensemble: one success from arrival to `endNs`, and one queue and compute
   * entry each holding what its steps spent there, so the three compute counts stay equal.
   */
  recordEnsemble(arrivalNs: number, endNs: number, phases: PhaseNs, batchSize: number): void {
    add(this.success, endNs - arrivalNs);
    add(this.queue, phases.queueNs);
    add(this.computeInput, phases.inputNs);
    add(this.computeInfer, phases.inferNs);
    add(this.computeOutput, phases.outputNs);
    this.inferenceCount += Math.max(1, batchSize);
    this.executionCount++;
    this.lastInferenceMs = Date.now();
  }

  #response(index: number): ResponseStats {
    let r = this.responses.get(index);
    if (r === undefined) {
      r = { computeInfer: zero(), computeOutput: zero(), success: zero(), emptyResponse: zero() };
      this.responses.set(index, r);
    }
    return r;
  }

  /** Response `index` of a decoupled request: time to produce it, then to encode it. */
  recordResponse(index: number, inferNs: number, outputNs: number): void {
    const r = this.#response(index);
    add(r.computeInfer, inferNs);
    add(r.computeOutput, outputNs);
    add(r.success, inferNs + outputNs);
  }

  /** The empty final response of a decoupled request, sent as response `index`. */
  recordEmptyResponse(index: number, ns: number): void {
    add(this.#response(index).emptyResponse, ns);
  }

  /**
   * A request answered from the response cache: a success whose queue time ends when the lookup
   * starts, and a cache hit lasting from the lookup to the finished response; no inference,
   * execution or compute is counted (Triton's statistics extension).
   */
  recordCacheHit(arrivalNs: number, queueStartNs: number, lookupStartNs: number, endNs: number) {
    add(this.success, endNs - arrivalNs);
    add(this.queue, lookupStartNs - queueStartNs);
    add(this.cacheHit, endNs - lookupStartNs);
    this.lastInferenceMs = Date.now();
  }

  /** The lookup that found nothing plus the insertion of the computed response. */
  recordCacheMiss(ns: number): void {
    add(this.cacheMiss, ns);
  }

  recordFailure(arrivalNs: number, endNs: number): void {
    add(this.fail, endNs - arrivalNs);
    this.lastInferenceMs = Date.now();
  }

  /** The counters in the shape the client side uses. */
  snapshot(): ModelStats {
    return {
      inferenceCount: this.inferenceCount,
      executionCount: this.executionCount,
      successCount: this.success.count,
      successNs: this.success.ns,
      queueCount: this.queue.count,
      queueNs: this.queue.ns,
      computeInputCount: this.computeInput.count,
      computeInputNs: this.computeInput.ns,
      computeInferCount: this.computeInfer.count,
      computeInferNs: this.computeInfer.ns,
      computeOutputCount: this.computeOutput.count,
      computeOutputNs: this.computeOutput.ns,
      cacheHitCount: this.cacheHit.count,
      cacheHitNs: this.cacheHit.ns,
      cacheMissCount: this.cacheMiss.count,
      cacheMissNs: this.cacheMiss.ns,
    };
  }

  #responseJson(): Record<string, unknown> {
    const d = (x: Duration) => ({ count: x.count, ns: x.ns });
    const out: Record<string, unknown> = {};
    for (const index of [...this.responses.keys()].sort((a, b) => a - b)) {
      const r = this.responses.get(index)!;
      out[String(index)] = {
        compute_infer: d(r.computeInfer),
        compute_output: d(r.computeOutput),
        success: d(r.success),
        fail: d(zero()),
        empty_response: d(r.emptyResponse),
        cancel: d(zero()),
      };
    }
    return out;
  }

  /** One `model_stats[]` entry, keys in the order Triton writes them. */
  toJson(name: string, version: string): Record<string, unknown> {
    const d = (x: Duration) => ({ count: x.count, ns: x.ns });
    const sizes = [...this.batches.keys()].sort((a, b) => a - b);
    return {
      name,
      version,
      last_inference: this.lastInferenceMs,
      inference_count: this.inferenceCount,
      execution_count: this.executionCount,
      inference_stats: {
        success: d(this.success),
        fail: d(this.fail),
        queue: d(this.queue),
        compute_input: d(this.computeInput),
        compute_infer: d(this.computeInfer),
        compute_output: d(this.computeOutput),
        cache_hit: d(this.cacheHit),
        cache_miss: d(this.cacheMiss),
      },
      response_stats: this.#responseJson(),
      batch_stats: sizes.map((size) => {
        const b = this.batches.get(size)!;
        return {
          batch_size: size,
          compute_input: d(b.computeInput),
          compute_infer: d(b.computeInfer),
          compute_output: d(b.computeOutput),
        };
      }),
      memory_usage: [],
    };
  }
}
