/**
 * The per-request record a channel fills. Records are owned by dispatcher slots and reused for
 * every request the slot sends, so the hot path allocates nothing per request; the aggregator
 * folds a record into histograms and counters before the slot reuses it.
 */

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

/** Most requests get one response; decoupled models may get more (kept up to this many). */
const RESPONSE_CAPACITY = 64;

export class RequestRecord {
  /** When the schedule wanted the request sent (closed loop: same as sendStartNs). */
  intendedNs = 0;
  /** Just before the first byte is handed to the transport. */
  sendStartNs = 0;
  /** When the transport accepted the last byte of the request. */
  sendEndNs = 0;
  /** First byte of the (first) response. */
  firstByteNs = 0;
  /** Last byte of the final response. */
  endNs = 0;
  /** Timestamps of every response beyond what fits are counted, not kept. */
  readonly responseNs = new Float64Array(RESPONSE_CAPACITY);
  responseCount = 0;
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

  reset(intendedNs: number): void {
    this.intendedNs = intendedNs;
    this.sendStartNs = 0;
    this.sendEndNs = 0;
    this.firstByteNs = 0;
    this.endNs = 0;
    this.responseCount = 0;
    this.outcome = "ok";
    this.status = 0;
    this.error = "";
    this.bytesSent = 0;
    this.bytesReceived = 0;
    this.outputs.length = 0;
    this.expected = undefined;
    this.dataLabel = "";
    this.sequenceEnd = false;
    this.context = -1;
    this.sequenceId = 0;
  }

  /** Notes one response at `ns`; the first also sets firstByteNs if the channel did not. */
  addResponse(ns: number): void {
    if (this.responseCount < RESPONSE_CAPACITY) this.responseNs[this.responseCount] = ns;
    this.responseCount++;
    if (this.firstByteNs === 0) this.firstByteNs = ns;
  }

  fail(outcome: Exclude<Outcome, "ok">, error: string, ns: number): void {
    this.outcome = outcome;
    this.error = error;
    this.endNs = ns;
  }
}
