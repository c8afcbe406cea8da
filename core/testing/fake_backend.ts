/**
 * An in-memory backend for core tests: each request takes `delayMs` on the given clock (or a
 * microtask when 0), tracks how many are in flight, and fails when told to.
 */
import type { Backend, Channel, ModelInfo, PreparedRequest, RequestSpec } from "../backend.ts";
import { type Clock, systemClock } from "../clock.ts";
import { modelInfo } from "./model_info.ts";
import type { Outcome, RequestRecord } from "../measure/record.ts";

export class FakeBackend implements Backend {
  readonly kind = "fake";
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

  constructor(private readonly delayMs = 0, private readonly clock: Clock = systemClock) {}

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
    this.inFlight--;
    const now = this.clock.nowNs();
    const error = this.failWith(payload);
    if (error) return record.fail(this.failOutcome, error, now);
    record.firstByteNs = now;
    record.addResponse(now);
    record.endNs = now;
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
