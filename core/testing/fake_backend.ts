/**
 * An in-memory backend for core tests: each request takes `delayMs` on the given clock (or a
 * microtask when 0), tracks how many are in flight, and fails when told to. Given a
 * {@link TokenStream} it plays a token stream instead, and says its units are tokens.
 */
import type {
  Backend,
  BackendCapabilities,
  Channel,
  ModelInfo,
  PreparedRequest,
  RequestSpec,
} from "../backend.ts";
import { type Clock, systemClock } from "../clock.ts";
import { modelInfo } from "./model_info.ts";
import type { Outcome, RequestRecord } from "../measure/record.ts";

/** One streamed event: `afterMs` after the previous one (or the send), carrying `units` tokens. */
export interface TokenEvent {
  afterMs: number;
  /** 0 for an event with no token (role-only chunk, usage-only chunk, end marker). */
  units: number;
}

/** What every request of a token-streaming fake gets. */
export interface TokenStream {
  events: TokenEvent[];
  /** The prompt's tokens (record.inputUnits); absent = unknown. */
  inputUnits?: number;
  /** The server's usage count for the output (record.reportedOutputUnits); absent = none. */
  reportedOutputUnits?: number;
  /** Whether the units are counted tokens (record.unitsAreTokens); default true. */
  unitsAreTokens?: boolean;
}

export class FakeBackend implements Backend {
  readonly kind = "fake";
  readonly capabilities: BackendCapabilities | undefined;
  inFlight = 0;
  peakInFlight = 0;
  sentPayloads: PreparedRequest[] = [];
  channelsOpened = 0;
  channelsClosed = 0;
  /** Return an error text to fail a request with, or undefined to succeed. */
  failWith: (payload: PreparedRequest) => string | undefined = () => undefined;
  /** The outcome failed requests get. */
  failOutcome: Exclude<Outcome, "ok"> = "server_error";
  throwOnSend = false;

  constructor(
    private readonly delayMs = 0,
    private readonly clock: Clock = systemClock,
    private readonly stream?: TokenStream,
  ) {
    this.capabilities = stream ? { responses: "many", units: "tokens" } : undefined;
  }

  describe(model: string): Promise<ModelInfo> {
    return Promise.resolve(modelInfo({
      name: model,
      platform: "fake",
      inputs: [{ name: "INPUT0", datatype: "INT32", shape: [4] }],
      outputs: [{ name: "OUTPUT0", datatype: "INT32", shape: [4] }],
    }));
  }

  prepare(spec: RequestSpec): PreparedRequest {
    return spec;
  }

  connect(): Promise<Channel> {
    this.channelsOpened++;
    return Promise.resolve({
      send: (p, r) => this.#send(p, r),
      close: () => {
        this.channelsClosed++;
      },
    });
  }

  async #send(payload: PreparedRequest, record: RequestRecord): Promise<void> {
    if (this.throwOnSend) throw new Error("boom");
    this.sentPayloads.push(payload);
    record.sendStartNs = this.clock.nowNs();
    record.sendEndNs = record.sendStartNs;
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    if (this.delayMs > 0) await this.clock.sleep(this.delayMs);
    else await Promise.resolve();
    if (this.stream) await this.#play(this.stream, record);
    this.inFlight--;
    const now = this.clock.nowNs();
    const error = this.failWith(payload);
    if (error) return record.fail(this.failOutcome, error, now);
    if (!this.stream) {
      record.firstByteNs = now;
      record.addResponse(now);
    }
    record.endNs = now;
  }

  async #play(stream: TokenStream, record: RequestRecord): Promise<void> {
    if (stream.inputUnits !== undefined) record.inputUnits = stream.inputUnits;
    for (const event of stream.events) {
      await this.clock.sleep(event.afterMs);
      record.addResponse(this.clock.nowNs(), event.units);
    }
    if (stream.reportedOutputUnits !== undefined) {
      record.reportedOutputUnits = stream.reportedOutputUnits;
    }
    record.unitsAreTokens = stream.unitsAreTokens ?? true;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
