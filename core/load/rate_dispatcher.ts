/**
 * Open-loop load: requests go out at the times a schedule intends, whether or not earlier ones
 * have come back. Each request's record carries its intended time, so a request that had to
 * wait (the pacer woke late, or every connection was busy) is measured from when it should
 * have been sent: a stalled server cannot hide behind the client's own backlog.
 *
 * In-flight requests each hold a slot (a channel and a record). A due request takes an idle
 * slot; only when none is idle is a new one opened, up to `maxInFlight` (--max-inflight, or
 * --max-threads in sync mode), so connections grow with what the server keeps in flight, not
 * with the offered rate. When every slot is busy at the bound, the overload policy decides:
 * "queue" waits for the next free slot (the schedule falls behind; each late send is measured
 * from its intended time, and nothing is held per waiting request), "drop" skips the request and
 * counts it (as k6 counts dropped iterations) so the sends that do go out stay on time.
 */
import type { Channel, Connector } from "../backend.ts";
import type { Clock } from "../clock.ts";
import { type DispatchSink, type LoadDriver, RequestCycle } from "./dispatcher.ts";
import type { Pacer } from "./pacer.ts";
import { RequestRecord } from "../measure/record.ts";
import type { RequestSource } from "../data/request_source.ts";
import type { Schedule } from "./schedule.ts";

/** What a due request does when every slot is busy and no more may be opened. */
export type OverloadPolicy = "queue" | "drop";

interface Slot {
  channel: Channel;
  record: RequestRecord;
  /** Bound once so completing a request allocates no closure. */
  done: () => void;
  failed: (e: unknown) => void;
}

export class RateDispatcher implements LoadDriver {
  #free: Slot[] = [];
  #all: Slot[] = [];
  #opening = 0;
  #inFlight = 0;
  /** Waiters for a free slot when all `maxInFlight` are busy, oldest first. */
  #slotWaiters: ((slot: Slot) => void)[] = [];
  #idleWaiters: (() => void)[] = [];
  #remaining = Infinity;
  #level: AbortController | undefined;
  /** Schedule loops still running (an aborted one ends at its next wake-up). */
  #loops = 0;
  readonly #cycle: RequestCycle;

  constructor(
    private readonly backend: Connector,
    private readonly source: RequestSource,
    private readonly clock: Clock,
    private readonly sink: DispatchSink,
    private readonly scheduleFor: (rate: number) => Schedule,
    private readonly pacer: Pacer,
    private readonly maxInFlight: number,
    private readonly overload: OverloadPolicy = "queue",
  ) {
    if (!(maxInFlight >= 1)) {
      throw new RangeError(`Cannot cap in-flight requests at ${maxInFlight}`);
    }
    this.#cycle = new RequestCycle(source, clock, sink);
  }

  /** Starts the schedule for `rate` at `startNs`; the previous level's schedule stops sending. */
  setLevel(rate: number, startNs = this.clock.nowNs()): Promise<void> {
    const schedule = this.scheduleFor(rate);
    this.#level?.abort();
    const level = new AbortController();
    this.#level = level;
    this.#loop(schedule, startNs, level.signal);
    return Promise.resolve();
  }

  limit(count: number): void {
    this.#remaining = count;
  }

  /** Slots (connections or streams) opened so far; they stay open until stop(). */
  connections(): number {
    return this.#all.length;
  }

  drain(): Promise<void> {
    if (this.#idle()) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#level?.abort();
    await this.drain();
    await this.#closeContexts();
    for (const slot of this.#all) slot.channel.close();
    this.#all = [];
    this.#free = [];
  }

  async #loop(schedule: Schedule, startNs: number, signal: AbortSignal): Promise<void> {
    this.#loops++;
    while (!signal.aborted && this.#remaining > 0) {
      const intended = startNs + schedule.next();
      await this.pacer.waitUntil(intended, signal);
      if (signal.aborted) break;
      // Serial sequences: every live sequence may have its request out; wait for one.
      const ready = this.source.ready?.();
      if (ready !== undefined) await ready;
      if (signal.aborted) break;
      if (this.#free.length === 0 && this.overload === "drop" && this.#atBound()) {
        this.sink.dropped?.();
        continue;
      }
      const slot = this.#free.pop() ?? await this.#acquire();
      if (signal.aborted) {
        this.#release(slot);
        break;
      }
      this.#remaining--;
      this.#fire(slot, intended);
    }
    this.#loops--;
    this.#checkIdle();
  }

  #atBound(): boolean {
    return this.#all.length + this.#opening >= this.maxInFlight;
  }

  /** A free slot: a new one while under the cap, else the next one to be released. */
  async #acquire(): Promise<Slot> {
    if (!this.#atBound()) {
      this.#opening++;
      try {
        const channel = await this.backend.connect();
        const record = new RequestRecord();
        const slot: Slot = { channel, record, done: () => {}, failed: () => {} };
        slot.done = () => this.#complete(slot);
        slot.failed = (e) => {
          this.#cycle.rejected(record, e);
          this.#complete(slot);
        };
        this.#all.push(slot);
        return slot;
      } finally {
        this.#opening--;
      }
    }
    return await new Promise<Slot>((resolve) => this.#slotWaiters.push(resolve));
  }

  #fire(slot: Slot, intendedNs: number): void {
    const prepared = this.#cycle.begin(-1, slot.record, intendedNs);
    this.#inFlight++;
    slot.channel.send(prepared, slot.record).then(slot.done, slot.failed);
  }

  /** Sends the END of every sequence still open, one at a time (bookkeeping, not load). */
  async #closeContexts(): Promise<void> {
    if (this.source.release === undefined) return;
    // Everything has drained, so a free slot exists unless none was ever opened.
    const slot = this.#free.pop() ?? await this.#acquire();
    // Open loop owns no context: each release(-1) closes one open sequence, any of them.
    while (await this.#cycle.release(-1, slot.channel, slot.record)) continue;
    this.#free.push(slot);
  }

  #complete(slot: Slot): void {
    this.#cycle.end(slot.record);
    this.#inFlight--;
    this.#release(slot);
    this.#checkIdle();
  }

  #release(slot: Slot): void {
    const waiter = this.#slotWaiters.shift();
    if (waiter) waiter(slot);
    else this.#free.push(slot);
  }

  #idle(): boolean {
    return this.#inFlight === 0 && this.#loops === 0;
  }

  #checkIdle(): void {
    if (!this.#idle()) return;
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }
}
