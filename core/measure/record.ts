/**
 * The per-request record a channel fills. Records are owned by dispatcher slots and reused for
 * every request the slot sends, so the hot path allocates nothing per request; the aggregator
 * folds a record into histograms and counters before the slot reuses it.
 */
import type { ExportTexts } from "./export_texts.ts";

export type Outcome =
  | "ok"
  /** The server answered with an error status (HTTP 4xx/5xx, gRPC non-OK). */
  | "server_error"
  /** Connection refused, reset or closed mid-request. */
  | "transport_error"
  /** The response could not be parsed. */
  | "protocol_error"
  | "timeout"
  | "cancelled"
  /** The response's outputs differ from the validation data. */
  | "mismatch";

/**
 * One decoded output tensor of a response, in wire form: little-endian row-major bytes, BYTES
 * elements each a 4-byte little-endian length then the bytes (whatever the response format).
 */
export interface OutputTensor {
  name: string;
  datatype: string;
  /** Full shape as the server reported it (batch dimension included). */
  shape: number[];
  bytes: Uint8Array;
}

/**
 * Response timestamps a fresh record has room for. Most requests get one response; a stream
 * (decoupled model, token stream) grows its slot's buffer by doubling, once, and later requests
 * on that slot reuse it.
 */
const INITIAL_RESPONSE_CAPACITY = 8;

export class RequestRecord {
  /** When the schedule wanted the request sent (closed loop: same as sendStartNs). */
  intendedNs = 0;
  /** Just before the first byte is handed to the transport. */
  sendStartNs = 0;
  /** When the transport accepted the last byte of the request. */
  sendEndNs = 0;
  /**
   * First byte of the (first) response: set by the transport when it sees one, else by the
   * first addResponse. Not the same as firstResponseNs when a transport reads a response's
   * bytes before it is complete.
   */
  firstByteNs = 0;
  /** Last byte of the final response. */
  endNs = 0;
  /**
   * Every response's timestamp in arrival order, entries [0, responseCount) of this request.
   * Grow-only and owned by the record: it doubles when a stream outgrows it and is kept across
   * reset(), so a slot allocates only while its longest stream so far is exceeded. Read it after
   * the request, never hold it: a later addResponse may replace it with a larger buffer.
   */
  responseNs = new Float64Array(INITIAL_RESPONSE_CAPACITY);
  /** Responses of this request (all of them: none is dropped). */
  responseCount = 0;
  /**
   * Units (tokens, for a token stream) the responses carried, summed as they arrive; equals
   * responseCount when every response is one unit, the default. Output tokens/s is this over
   * the window.
   */
  units = 0;
  /**
   * Units of each response, entries [0, responseCount), parallel to responseNs and grown with
   * it: 0 marks a response that carried no token (a role-only first chunk, a usage-only chunk,
   * the end-of-stream marker). The inter-chunk gaps and tokens per event are read from it when
   * the record is folded.
   */
  responseUnits = new Uint32Array(INITIAL_RESPONSE_CAPACITY);
  /** Responses that carried at least one unit (token-bearing events). */
  tokenEvents = 0;
  /** Arrival of the first, second and last token-bearing response; 0 until there is one. */
  firstTokenNs = 0;
  secondTokenNs = 0;
  lastTokenNs = 0;
  /**
   * The output length the server reported for the whole request (an OpenAI stream's final
   * `usage.completion_tokens`); -1 when it reported none, and then the summed units are the
   * output length. See {@link outputUnits}.
   */
  reportedOutputUnits = -1;
  /**
   * The output length a client-side tokenizer counted in the output text, -1 without one; when
   * set it is the output length, and reportedOutputUnits keeps the server's count for comparison.
   */
  clientOutputUnits = -1;
  /** The name of that tokenizer, for the report ("" without one). */
  clientCounter = "";
  /** Input length (tokens of the prompt), set by the channel or the request source; -1 = unknown. */
  inputUnits = -1;
  /**
   * The output length the request pinned (an OpenAI body with `min_tokens` = its limit and
   * `ignore_eos`), set by the channel; -1 when it pinned none. A success of another length
   * is counted as a miss (TokenMetrics).
   */
  expectedOutputUnits = -1;
  /**
   * The unit counts are tokens (the server's usage or a tokenizer's count), not one per event
   * because nothing said how many tokens an event held. Reports count requests without it.
   */
  unitsAreTokens = false;
  /**
   * Smallest and largest gap between consecutive responses (0 with fewer than two), folded as
   * they arrive. The gaps' sum is gapSumNs and their count responseCount − 1, so a per-request
   * inter-token latency needs nothing stored; a per-gap ITL histogram reads the differences of
   * responseNs when the record is folded.
   */
  minGapNs = 0;
  maxGapNs = 0;
  outcome: Outcome = "ok";
  /** HTTP status or gRPC code when known, else 0. */
  status = 0;
  /** Short error text for failed requests ("" when ok). */
  error = "";
  bytesSent = 0;
  bytesReceived = 0;
  /**
   * The outputs of the (first) response, filled only by backends created with
   * `captureOutputs`; emptied by reset().
   */
  readonly outputs: OutputTensor[] = [];

  // Tags the request source sets in next() and reads back in done(): they describe which request
  // this was, not how it went, and share the record's per-request lifetime and reset.

  /** Expected outputs for this request (validation data), set by the request source. */
  expected: ReadonlyMap<string, Uint8Array> | undefined = undefined;
  /** Where the request's data came from ("data entry 3"), for validation messages. */
  dataLabel = "";
  /** The request carried the sequence END flag (counted for the sequence throughput). */
  sequenceEnd = false;
  /** Which sequence context sent it (-1 outside sequences), for the source's bookkeeping. */
  context = -1;
  /** The sequence's correlation id (0 outside sequences), for the profile export. */
  sequenceId = 0;
  /**
   * The request's inputs and raw responses for the profile export, set by a channel connected
   * with `exportTexts`; null otherwise (nothing is kept when no export is written).
   */
  exportTexts: ExportTexts | null = null;

  reset(intendedNs: number): void {
    this.intendedNs = intendedNs;
    this.sendStartNs = 0;
    this.sendEndNs = 0;
    this.firstByteNs = 0;
    this.endNs = 0;
    this.responseCount = 0;
    this.units = 0;
    this.tokenEvents = 0;
    this.firstTokenNs = 0;
    this.secondTokenNs = 0;
    this.lastTokenNs = 0;
    this.reportedOutputUnits = -1;
    this.clientOutputUnits = -1;
    this.clientCounter = "";
    this.inputUnits = -1;
    this.expectedOutputUnits = -1;
    this.unitsAreTokens = false;
    this.minGapNs = 0;
    this.maxGapNs = 0;
    this.outcome = "ok";
    this.status = 0;
    this.error = "";
    this.bytesSent = 0;
    this.bytesReceived = 0;
    // Setting an array's length is a runtime call (~40 ns) even when it is already 0.
    if (this.outputs.length !== 0) this.outputs.length = 0;
    this.expected = undefined;
    this.dataLabel = "";
    this.sequenceEnd = false;
    this.context = -1;
    this.sequenceId = 0;
    this.exportTexts = null;
  }

  /**
   * Notes one response at `ns` carrying `units` units (tokens; 1 when a response is the unit,
   * 0 when it carried none). The first also sets firstByteNs if the transport did not.
   * Allocates only when this request has more responses than the slot's buffer has ever held.
   */
  addResponse(ns: number, units = 1): void {
    const n = this.responseCount;
    if (n === this.responseNs.length) this.#grow();
    const times = this.responseNs;
    if (n > 1) {
      const gap = ns - times[n - 1];
      // min ≤ max, so a new minimum cannot also be a new maximum.
      if (gap < this.minGapNs) this.minGapNs = gap;
      else if (gap > this.maxGapNs) this.maxGapNs = gap;
    } else if (n === 1) {
      this.minGapNs = this.maxGapNs = ns - times[0];
    }
    if (this.firstByteNs === 0) this.firstByteNs = ns;
    times[n] = ns;
    this.responseUnits[n] = units;
    this.responseCount = n + 1;
    this.units += units;
    if (units > 0) {
      const events = this.tokenEvents++;
      if (events === 0) this.firstTokenNs = ns;
      else if (events === 1) this.secondTokenNs = ns;
      this.lastTokenNs = ns;
    }
  }

  /**
   * Replaces the units of response `i` once they are known exactly (a tokenizer counts a
   * stream's text when it ends). Which responses bore output, and so the token times
   * (firstTokenNs, tokenEvents, ...), stay as they were when the responses arrived.
   */
  recountResponse(i: number, units: number): void {
    this.units += units - this.responseUnits[i];
    this.responseUnits[i] = units;
  }

  /**
   * Output length (OSL): a client tokenizer's count, else what the server reported for the
   * request, else the summed units.
   */
  get outputUnits(): number {
    if (this.clientOutputUnits >= 0) return this.clientOutputUnits;
    return this.reportedOutputUnits >= 0 ? this.reportedOutputUnits : this.units;
  }

  /**
   * When the first response arrived, 0 if none: time to first token is this minus the request's
   * start (sendStartNs, or intendedNs when latency counts from the intended send).
   */
  get firstResponseNs(): number {
    return this.responseCount > 0 ? this.responseNs[0] : 0;
  }

  /** When the last response so far arrived; 0 if none. */
  get lastResponseNs(): number {
    return this.responseCount > 0 ? this.responseNs[this.responseCount - 1] : 0;
  }

  /** Sum of the gaps between consecutive responses: last − first, the stream's decode time. */
  get gapSumNs(): number {
    return this.lastResponseNs - this.firstResponseNs;
  }

  fail(outcome: Exclude<Outcome, "ok">, error: string, ns: number): void {
    this.outcome = outcome;
    this.error = error;
    this.endNs = ns;
  }

  /** Out of line: the common one-response request never runs it. */
  #grow(): void {
    const times = new Float64Array(this.responseNs.length * 2);
    times.set(this.responseNs);
    this.responseNs = times;
    const units = new Uint32Array(times.length);
    units.set(this.responseUnits);
    this.responseUnits = units;
  }
}
