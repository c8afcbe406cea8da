/**
 * Runs one request of a decoupled model on the model's instances: zero or more responses,
 * each after its delay, then an optional empty final response. The request holds an instance
 * from its first response to its last, like a Triton backend that keeps the request until it
 * sends the final flag.
 */
import { decodeInputs, type ModelExecutor } from "./executor.ts";
import type { InferRequest } from "../kserve/infer_request.ts";
import type { DecoupledPlan, Tensor } from "./mod.ts";
import { nowNs } from "./stats.ts";
import { waitUntil } from "../wait.ts";

/** Where the responses of one decoupled request go. */
export interface DecoupledSink {
  /** Encodes and sends one data response; false once the client is gone. */
  respond(outputs: ReadonlyMap<string, Tensor>, final: boolean): boolean;
  /** Sends the empty final response; false once the client is gone. */
  emptyFinal(): boolean;
}

/** Clock readings of a finished plan, in integer ns. */
interface Sent {
  inputEndNs: number;
  /** Summed encode-and-send time of every response (the compute-output phase). */
  outputNs: number;
  endNs: number;
  /** The sink reported the client gone before the plan finished. */
  abandoned: boolean;
}

/**
 * Runs a validated request. With `emptyFinal` the data responses are all non-final and an
 * empty response carries the final flag; without it the last data response does. A model
 * error is counted as a failure and rethrown; a vanished client is counted as a failure.
 */
export async function executeDecoupled(
  executor: ModelExecutor,
  req: InferRequest,
  arrivalNs: number,
  sink: DecoupledSink,
  emptyFinal: boolean,
): Promise<void> {
  const queueStartNs = nowNs();
  const wait = executor.pool.acquire();
  if (wait !== undefined) await wait;
  const computeStartNs = nowNs();
  let sent: Sent;
  try {
    sent = await run(executor, req, sink, emptyFinal);
  } catch (e) {
    executor.pool.release();
    executor.stats.recordFailure(arrivalNs, nowNs());
    throw e;
  }
  executor.pool.release();
  if (sent.abandoned) {
    executor.stats.recordFailure(arrivalNs, sent.endNs);
    return;
  }
  const { inputEndNs, outputNs, endNs } = sent;
  executor.stats.recordSuccess({
    arrivalNs,
    queueStartNs,
    computeStartNs,
    inputEndNs,
    inferEndNs: endNs - outputNs,
    outputEndNs: endNs,
  }, req.batchSize);
}

async function run(
  executor: ModelExecutor,
  req: InferRequest,
  sink: DecoupledSink,
  emptyFinal: boolean,
): Promise<Sent> {
  const inputs = decodeInputs(executor.spec, req);
  const inputEndNs = nowNs();
  const plan: DecoupledPlan = executor.spec.decoupled!(inputs);
  const busySpin = executor.config.busySpin;
  const stats = executor.stats;
  let previousNs = inputEndNs;
  let outputNs = 0;
  const count = plan.responses.length;
  for (let i = 0; i < count; i++) {
    const { outputs, delayMs } = plan.responses[i];
    const delayNs = delayMs === undefined ? executor.sampleComputeNs() : delayMs * 1e6;
    if (delayNs > 0) await waitUntil(previousNs + delayNs, busySpin);
    const startNs = nowNs();
    const delivered = sink.respond(outputs, !emptyFinal && i === count - 1);
    const endNs = nowNs();
    stats.recordResponse(i, startNs - previousNs, endNs - startNs);
    outputNs += endNs - startNs;
    previousNs = endNs;
    if (!delivered) return { inputEndNs, outputNs, endNs, abandoned: true };
  }
  if (plan.waitMs > 0) await waitUntil(previousNs + plan.waitMs * 1e6, busySpin);
  if (emptyFinal) {
    const startNs = nowNs();
    const delivered = sink.emptyFinal();
    const endNs = nowNs();
    stats.recordEmptyResponse(count, endNs - startNs);
    if (!delivered) return { inputEndNs, outputNs, endNs, abandoned: true };
  }
  return { inputEndNs, outputNs, endNs: nowNs(), abandoned: false };
}
