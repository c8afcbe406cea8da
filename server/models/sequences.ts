/**
 * The sequence batcher's rules for one sequence model (Triton's SequenceBatchScheduler::
 * Enqueue, docs/protocols.md §1.11), and exact ground truth about every sequence, so a client test
 * can prove each sequence was started, fed one request at a time, and ended.
 *
 * Rules are applied when a validated request is admitted, in arrival order, as Triton does at
 * enqueue time: a START registers the id, an END forgets it, so a request that follows an END
 * without a START is refused even if the END has not executed yet. Idle sequences are never
 * reaped (Triton would after max_sequence_idle_microseconds): a sequence a client forgot to
 * end stays in `active`, where a test sees it.
 */
import { invalidArg } from "../kserve/http_error.ts";
import type { InferRequest } from "../kserve/infer_request.ts";

/** A request's sequence parameters; id 0 or "" means none (docs/protocols.md §1.11). */
export interface SequenceParams {
  /** A uint64 id or a string id; 5 and "5" are different sequences, as in Triton. */
  id: number | string;
  start: boolean;
  end: boolean;
}

/** Per-sequence model state; the simulated sequence models keep one INT32 accumulator. */
export interface SequenceMemory {
  accumulator: number;
}

/** What an admitted request carries into execution. */
export interface SequenceStep {
  id: number | string;
  start: boolean;
  end: boolean;
  memory: SequenceMemory;
}

/** Cumulative ground truth of one sequence model. Invariant: started = ended + active + restarted. */
export interface SequenceStats {
  /** START requests admitted (restarts included). */
  started: number;
  /** END requests admitted; each closes one sequence. */
  ended: number;
  /** Sequences started and neither ended nor restarted. */
  active: number;
  /** STARTs for an id whose sequence was still active; that sequence is dropped unended. */
  restarted: number;
  /** Requests refused by the sequence rules (no id, an integer id for string ids, no START). */
  rejected: number;
  /** Requests admitted into a sequence. */
  requests: number;
  /**
   * Admitted requests that arrived while an earlier request with the same id was still in
   * the server (queued or executing). A client that waits for each response before sending
   * the next step never overlaps, and then its steps ran in the order it sent them.
   */
  overlapping: number;
  /** Request count of every ended sequence, in the order they ended. */
  endedLengths: number[];
}

interface Live {
  length: number;
  memory: SequenceMemory;
}

/** Triton's id text in its messages: the decimal number, or the string as sent. */
function idText(id: number | string): string {
  return typeof id === "number" ? String(id) : id;
}

export class SequenceTracker {
  readonly #live = new Map<number | string, Live>();
  /** Admitted and unfinished requests per id (overlap detection). */
  readonly #inFlight = new Map<number | string, number>();
  readonly #stats: Omit<SequenceStats, "active" | "endedLengths"> = {
    started: 0,
    ended: 0,
    restarted: 0,
    rejected: 0,
    requests: 0,
    overlapping: 0,
  };
  readonly #endedLengths: number[] = [];

  /**
   * `stringIds`: the model declares a TYPE_STRING CORRID control, so only string ids name
   * its sequences; otherwise both kinds are taken (5 and "5" still being different).
   */
  constructor(readonly model: string, readonly stringIds: boolean) {}

  #reject(message: string): never {
    this.#stats.rejected++;
    throw invalidArg(message);
  }

  /** Applies the rules to a validated request; throws ApiError (counted) when it breaks one. */
  admit(req: InferRequest): SequenceStep {
    const model = this.model;
    // Same checks, order and messages as SequenceBatchScheduler::Enqueue (no request id
    // prefix). Its batch-size-1 rule is left out: no sequence model here batches.
    const params = req.sequence;
    if (params === undefined || params.id === 0 || params.id === "") {
      this.#reject(
        `inference request to model '${model}' must specify a non-zero or non-empty ` +
          "correlation ID",
      );
    }
    if (this.stringIds && typeof params.id !== "string") {
      this.#reject(
        `inference request for sequence ${params.id} to model '${model}' must specify a ` +
          "string correlation ID: the model's CORRID control has data type TYPE_STRING",
      );
    }
    const { id, start, end } = params;
    let live = this.#live.get(id);
    if (!start && live === undefined) {
      this.#reject(
        `inference request for sequence ${idText(id)} to model '${model}' must specify the ` +
          "START flag on the first request of the sequence",
      );
    }
    const stats = this.#stats;
    stats.requests++;
    const inFlight = this.#inFlight.get(id) ?? 0;
    if (inFlight > 0) stats.overlapping++;
    this.#inFlight.set(id, inFlight + 1);
    if (start) {
      // Triton continues with the new sequence and drops the unended one ("conflict").
      if (live !== undefined) stats.restarted++;
      stats.started++;
      live = { length: 0, memory: { accumulator: 0 } };
      this.#live.set(id, live);
    }
    live!.length++;
    if (end) {
      this.#live.delete(id);
      stats.ended++;
      this.#endedLengths.push(live!.length);
    }
    return { id, start, end, memory: live!.memory };
  }

  /** The admitted request finished (answered or failed). */
  release(step: SequenceStep): void {
    const left = (this.#inFlight.get(step.id) ?? 1) - 1;
    if (left > 0) this.#inFlight.set(step.id, left);
    else this.#inFlight.delete(step.id);
  }

  /** A copy of the counters (structured-clone safe, for the Worker variant). */
  snapshot(): SequenceStats {
    return { ...this.#stats, active: this.#live.size, endedLengths: this.#endedLengths.slice() };
  }
}
