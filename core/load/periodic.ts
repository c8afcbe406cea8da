/**
 * Periodic concurrency (docs/perf_analyzer.md §2.10): `start` requests, each sent once on a
 * channel of its own; each time every request of the latest batch has received `period`
 * responses, `step` more start, until `end` have started. The run is over when all `end` are
 * complete. Meant for streams (a decoupled model's responses, an LLM's events), where requests
 * overlap for a long time and the server sees concurrency grow in steps.
 */
import type { Channel, Connector } from "../backend.ts";
import type { Clock } from "../clock.ts";
import type { Range } from "../cli/config.ts";
import { RunError } from "../errors.ts";
import type { RequestSource } from "../data/request_source.ts";
import { RequestRecord } from "../measure/record.ts";
import { type DispatchSink, type LoadDriver, RequestCycle } from "./dispatcher.ts";

/**
 * A record that tells its driver the moment its request has received `period` responses. The
 * channel calls addResponse as each response arrives, so the next batch starts from there, not
 * after a poll.
 */
class PeriodRecord extends RequestRecord {
  /** The driver was told (at the period, or at the end of a request that failed first). */
  told = false;

  constructor(private readonly period: number, private readonly onPeriod: () => void) {
    super();
  }

  override addResponse(ns: number, units = 1): void {
    super.addResponse(ns, units);
    if (this.responseCount === this.period && !this.told) {
      this.told = true;
      this.onPeriod();
    }
  }
}

/** One batch as it started: when, and how many requests were then in flight (it included). */
export interface BatchStart {
  ns: number;
  inFlight: number;
}

export class PeriodicDriver implements LoadDriver {
  readonly #cycle: RequestCycle;
  /** Requests started so far; each one's index is its context for the request source. */
  #launched = 0;
  /** Requests of the latest batch that have not reached the period yet. */
  #waiting = 0;
  /** Requests that have completed (successfully or not). */
  #completed = 0;
  /** Every batch so far, for the report: a handful of entries, (end − start) / step + 1. */
  readonly batches: BatchStart[] = [];
  #remaining = Infinity;
  #stopped = false;
  #started = false;
  readonly #running = new Set<Promise<void>>();
  readonly #done = Promise.withResolvers<void>();

  constructor(
    private readonly backend: Connector,
    source: RequestSource,
    private readonly clock: Clock,
    sink: DispatchSink,
    private readonly range: Range,
    private readonly period: number,
  ) {
    this.#cycle = new RequestCycle(source, clock, sink);
    // drain() hands this promise out; a failure before anyone awaits it is not unhandled.
    this.#done.promise.catch(() => {});
  }

  /** Starts the first batch; the value (the experiment's concurrency, 1) plays no part. */
  setLevel(_value: number): Promise<void> {
    if (!this.#started) {
      this.#started = true;
      this.#launch(this.range.start);
    }
    return Promise.resolve();
  }

  limit(count: number): void {
    this.#remaining = count;
  }

  /** Resolves when every request that will start is complete; rejects on a run error. */
  drain(): Promise<void> {
    return this.#done.promise;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#running]);
    this.#done.resolve();
  }

  #launch(n: number): void {
    const count = Math.min(n, this.range.end - this.#launched, this.#remaining);
    this.#waiting = count;
    const inFlight = this.#launched + count - this.#completed;
    if (count > 0) this.batches.push({ ns: this.clock.nowNs(), inFlight });
    for (let i = 0; i < count; i++) {
      const context = this.#launched++;
      this.#remaining--;
      const run = this.#run(context).catch((e) => this.#done.reject(e));
      this.#running.add(run);
      run.finally(() => {
        this.#running.delete(run);
        this.#settleIfDone();
      });
    }
  }

  /** Every request of the latest batch reached the period (or failed before it): next batch. */
  #periodReached(): void {
    if (--this.#waiting > 0 || this.#stopped) return;
    if (this.#launched < this.range.end && this.#remaining > 0) this.#launch(this.range.step);
  }

  #settleIfDone(): void {
    const more = !this.#stopped && this.#launched < this.range.end && this.#remaining > 0;
    if (this.#running.size === 0 && !more) this.#done.resolve();
  }

  async #run(context: number): Promise<void> {
    // Each request of the mode is sent once, on its own channel: its record has nothing to be
    // reused for, and there are at most <end> of them.
    const record = new PeriodRecord(this.period, () => this.#periodReached());
    const channel: Channel = await this.backend.connect();
    try {
      const prepared = this.#cycle.begin(context, record, this.clock.nowNs());
      try {
        await channel.send(prepared, record);
      } catch (e) {
        this.#cycle.rejected(record, e);
      }
      if (!record.told && record.outcome === "ok") {
        throw new RunError(
          `a request completed after ${record.responseCount} responses, before the request ` +
            `period of ${this.period}: --request-period must be at most the number of ` +
            "responses every request receives",
        );
      }
      this.#cycle.end(record);
      this.#completed++;
      // A failed request will not reach the period; waiting for it would stall the run.
      if (!record.told) {
        record.told = true;
        this.#periodReached();
      }
      await this.#cycle.release(context, channel, record);
    } finally {
      channel.close();
    }
  }
}
