/**
 * Where the dispatchers get the next request from. Stateless models replay prepared requests
 * round-robin; sequence models (sequence_source.ts) hand each context the next step of its
 * sequence. Keeping the choice behind one contract lets every load mode drive every model.
 */
import type { PreparedRequest } from "../backend.ts";
import type { RequestRecord } from "../measure/record.ts";

export interface RequestSource {
  /**
   * The request to send next from `context` (a closed-loop slot index; -1 in open loop, where
   * the source picks). Tags the freshly reset record (expected outputs, sequence END, context).
   */
  next(context: number, record: RequestRecord): PreparedRequest;
  /**
   * Resolves when `next` has something to send, or undefined when it has now (only serial
   * sequences ever make a sender wait).
   */
  ready?(): Promise<void> | undefined;
  /** A request tagged by `next` finished. */
  done?(record: RequestRecord): void;
  /**
   * `context` goes idle (level change, quota reached, stop): the request that closes what it
   * left open (a sequence's END), or undefined. Open loop passes -1 until it returns undefined.
   */
  release?(context: number, record: RequestRecord): PreparedRequest | undefined;
}

/** One request prepared for each distinct payload, with its expected outputs when validating. */
export interface SourceItem {
  prepared: PreparedRequest;
  expected?: ReadonlyMap<string, Uint8Array>;
  /** Where its data came from, e.g. "data entry 3" (shown with validation mismatches). */
  label?: string;
}

/** Replays the items in order, wrapping, shared by every sender (perf_analyzer's data cursor). */
export class RoundRobinSource implements RequestSource {
  #cursor = 0;

  constructor(private readonly items: readonly SourceItem[]) {
    if (items.length === 0) throw new RangeError("Cannot dispatch: no prepared requests");
  }

  next(_context: number, record: RequestRecord): PreparedRequest {
    const item = this.items[this.#cursor];
    this.#cursor = this.#cursor + 1 === this.items.length ? 0 : this.#cursor + 1;
    record.expected = item.expected;
    record.dataLabel = item.label ?? "";
    return item.prepared;
  }
}

/** Round-robin over bare prepared requests (no validation data). */
export function roundRobin(prepared: readonly PreparedRequest[]): RoundRobinSource {
  return new RoundRobinSource(prepared.map((p) => ({ prepared: p })));
}
