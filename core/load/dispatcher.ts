/**
 * Keeps requests in flight. Closed-loop concurrency is a set of slots, each with its own
 * channel (connection or stream) and its own reusable record: a slot sends, awaits the
 * response, hands the record to the sink, and sends again. The number of slots follows the
 * load level, and a quota bounds the total for --request-count and warmup. Open loop is
 * rate_dispatcher.ts; both go through RequestCycle for what every request needs.
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
  /** Open loop with --overload drop: a due request was skipped, every connection being busy. */
  dropped?(): void;
}

/** What the level measurer drives: closed-loop concurrency or an open-loop rate. */
export interface LoadDriver {
  /**
   * Applies a load level (a concurrency, or a request rate) until the next call. `startNs`
   * (a distributed run) is when an open-loop schedule's first send is due; default now.
   */
  setLevel(value: number, startNs?: number): Promise<void>;
  /** Allows only `count` more sends in total (Infinity lifts the quota). */
  limit(count: number): void;
  /** Resolves once nothing is in flight and the quota (if any) is used up, or after stop. */
  drain(): Promise<void>;
  /** Stops sending, waits for requests in flight, closes every channel. */
  stop(): Promise<void>;
  /** Open loop: the connections (or streams) opened so far, for the report. */
  connections?(): number;
}

/**
 * The per-request bookkeeping both load drivers share, so closed and open loop cannot drift
 * apart: a request starts from a reset record tagged by the source, ends with the source's and
 * then the sink's bookkeeping, and a backend that rejects is recorded as a failed request
 * instead of ending the run. Plain synchronous methods (and one async for the rare closing
 * request), so the hot path gains no promise.
 */
export class RequestCycle {
  constructor(
    private readonly source: RequestSource,
    private readonly clock: Clock,
    private readonly sink: DispatchSink,
  ) {}

  /**
   * Readies `record` for the next request of `context` (a closed-loop slot, -1 in open loop),
   * meant to go out at `intendedNs` (the closed loop sets it after the send instead), and tells
   * the sink it is being sent.
   */
  begin(context: number, record: RequestRecord, intendedNs: number): PreparedRequest {
    record.reset(intendedNs);
    const prepared = this.source.next(context, record);
    this.sink.sent();
    return prepared;
  }

  /** The request is over: the source learns how it went, then the sink folds the record. */
  end(record: RequestRecord): void {
    this.source.done?.(record);
    this.sink.completed(record);
  }

  /** The contract says send never rejects; a backend bug still must not end the run. */
  rejected(record: RequestRecord, e: unknown): void {
    const why = e instanceof Error ? e.message : String(e);
    record.fail("protocol_error", `backend error: ${why}`, this.clock.nowNs());
  }

  /**
   * Sends the request that closes what `context` left open (a sequence's END) and settles it;
   * never rejects. It is bookkeeping, not load, so the sink does not see it. False when
   * nothing was open.
   */
  async release(context: number, channel: Channel, record: RequestRecord): Promise<boolean> {
    record.reset(this.clock.nowNs());
    const closing = this.source.release?.(context, record);
    if (closing === undefined) return false;
    try {
      await channel.send(closing, record);
    } catch (e) {
      this.rejected(record, e);
    }
    this.source.done?.(record);
    return true;
  }
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
  readonly #cycle: RequestCycle;

  constructor(
    private readonly backend: Connector,
    source: RequestSource,
    private readonly clock: Clock,
    sink: DispatchSink,
  ) {
    this.#cycle = new RequestCycle(source, clock, sink);
  }

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
      const prepared = this.#cycle.begin(slot.index, record, 0);
      // Awaited here, not in an async helper: one async frame fewer per request.
      try {
        await slot.channel.send(prepared, record);
      } catch (e) {
        this.#cycle.rejected(record, e);
      }
      // Closed loop has no schedule: a request is meant to go out when it does, so its
      // intended time is the channel's send stamp, as perf_analyzer's closed-loop latency starts
      // there too. No clock reading of its own (about 0.1 µs, in a request of a few); a failed
      // one the channel never stamped was meant to go now.
      const sent = record.outcome === "ok" || record.sendStartNs > 0;
      record.intendedNs = sent ? record.sendStartNs : this.clock.nowNs();
      this.#cycle.end(record);
      // A server that is down refuses connections at once; without a pause every slot would
      // spin through failures as fast as the CPU allows. The failures are still counted.
      backoffMs = record.outcome === "transport_error"
        ? Math.min(MAX_BACKOFF_MS, Math.max(1, backoffMs * 2))
        : 0;
    }
    // A sequence left open would hold server state until its idle timeout: close it.
    await this.#cycle.release(slot.index, slot.channel, record);
    slot.running = false;
  }
}
