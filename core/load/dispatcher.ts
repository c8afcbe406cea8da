/**
 * Keeps requests in flight. Closed-loop concurrency is a set of slots, each with its own
 * channel (connection or stream) and its own reusable record: a slot sends, awaits the
 * response, hands the record to the sink, and sends again. One loop serves every mode; the
 * number of slots follows the load level, and a quota bounds the total for --request-count
 * and warmup.
 */
import type { Channel, Connector, PreparedRequest } from "../backend.ts";
import type { Clock } from "../clock.ts";
import { RequestRecord } from "../measure/record.ts";
import type { RequestSource } from "../data/request_source.ts";

export interface DispatchSink {
  /** A request is about to be sent. */
  sent(): void;
  /** A request finished (successfully or not); the record is reused after this returns. */
  completed(record: RequestRecord): void;
}

/** What the level measurer drives: closed-loop concurrency or an open-loop rate. */
export interface LoadDriver {
  /** Applies a load level (a concurrency, or a request rate) until the next call. */
  setLevel(value: number): Promise<void>;
  /** Allows only `count` more sends in total (Infinity lifts the quota). */
  limit(count: number): void;
  /** Resolves once nothing is in flight and the quota (if any) is used up, or after stop. */
  drain(): Promise<void>;
  /** Stops sending, waits for requests in flight, closes every channel. */
  stop(): Promise<void>;
}

interface Slot {
  index: number;
  channel: Channel;
  record: RequestRecord;
  /** Set before the loop starts and cleared as it exits, so a slot never runs twice. */
  running: boolean;
  loop: Promise<void>;
}

/** Longest pause a slot takes after consecutive transport errors (1, 2, 4 … ms). */
const MAX_BACKOFF_MS = 100;

export class Dispatcher implements LoadDriver {
  #slots: Slot[] = [];
  #target = 0;
  #remaining = Infinity;
  #stopped = false;

  constructor(
    private readonly backend: Connector,
    private readonly source: RequestSource,
    private readonly clock: Clock,
    private readonly sink: DispatchSink,
  ) {}

  setLevel(n: number): Promise<void> {
    return this.setConcurrency(n);
  }

  /** Keeps `n` requests in flight; extra slots finish their current request and idle. */
  async setConcurrency(n: number): Promise<void> {
    this.#target = n;
    while (this.#slots.length < n) {
      const channel = await this.backend.connect();
      this.#slots.push({
        index: this.#slots.length,
        channel,
        record: new RequestRecord(),
        running: false,
        loop: Promise.resolve(),
      });
    }
    for (const slot of this.#slots) {
      if (slot.index < n && !slot.running) {
        slot.running = true;
        slot.loop = this.#run(slot);
      }
    }
  }

  limit(count: number): void {
    this.#remaining = count;
  }

  async drain(): Promise<void> {
    await Promise.all(this.#slots.map((s) => s.loop));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.drain();
    for (const slot of this.#slots) slot.channel.close();
    this.#slots = [];
  }

  async #run(slot: Slot): Promise<void> {
    const record = slot.record;
    let backoffMs = 0;
    while (!this.#stopped && slot.index < this.#target && this.#remaining > 0) {
      if (backoffMs > 0) await this.clock.sleep(backoffMs);
      this.#remaining--;
      // Closed loop: the request is meant to go out the moment the slot is free.
      record.reset(this.clock.nowNs());
      const prepared = this.source.next(slot.index, record);
      this.sink.sent();
      // Inlined rather than a call to #send: one async frame fewer per request.
      try {
        await slot.channel.send(prepared, record);
      } catch (e) {
        record.fail("protocol_error", `backend error: ${(e as Error).message}`, this.clock.nowNs());
      }
      this.source.done?.(record);
      this.sink.completed(record);
      // A server that is down refuses connections at once; without a pause every slot would
      // spin through failures as fast as the CPU allows. The failures are still counted.
      backoffMs = record.outcome === "transport_error"
        ? Math.min(MAX_BACKOFF_MS, Math.max(1, backoffMs * 2))
        : 0;
    }
    // A sequence left open would hold server state until its idle timeout: close it. The
    // closing request is bookkeeping, not load, so it is not reported to the sink.
    record.reset(this.clock.nowNs());
    const closing = this.source.release?.(slot.index, record);
    if (closing !== undefined) await this.#send(slot, closing);
    slot.running = false;
  }

  /** Sends one bookkeeping request and settles its record; never rejects. */
  async #send(slot: Slot, prepared: PreparedRequest): Promise<void> {
    try {
      await slot.channel.send(prepared, slot.record);
    } catch (e) {
      // The contract says send never rejects; a backend bug still must not end the run.
      slot.record.fail(
        "protocol_error",
        `backend error: ${(e as Error).message}`,
        this.clock.nowNs(),
      );
    }
    this.source.done?.(slot.record);
  }
}
