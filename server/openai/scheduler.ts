/**
 * Fires timed writes as close to their due time as the event loop allows. Deno's setTimeout is
 * about 1-2 ms coarse, so a timer only brings the loop to within POLL_NS of the earliest due
 * time; from there it polls through setImmediate, whose turns take microseconds (a MessageChannel
 * round trip is two orders slower at the tail) and still let the connections flush between polls.
 * One timer serves every stream.
 */
import { setImmediate } from "node:timers";
import { nowNs } from "../models/stats.ts";

/** A write due at `due` (nowNs clock); `fire` performs it and may schedule the next. */
export interface Timed {
  due: number;
  fire(): void;
}

/** Within this much of the due time the scheduler polls instead of sleeping. */
const POLL_NS = 3_000_000;

export class Scheduler {
  /** A binary min-heap on `due`. */
  #heap: Timed[] = [];
  /** Jobs of the pass being fired; reused so a pass allocates nothing. */
  #batch: Timed[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** The due time the armed timer serves. */
  #timerDue = Infinity;
  #polling = false;
  #running = false;
  #closed = false;

  at(job: Timed): void {
    if (this.#closed) return;
    this.#push(job);
    if (!this.#running) this.#arm();
  }

  readonly #run = (): void => {
    this.#timer = undefined;
    this.#timerDue = Infinity;
    this.#polling = false;
    this.#running = true;
    const now = nowNs();
    // Jobs a fired job schedules for now wait for the next pass, so every write of a stream is
    // flushed on its own even when gaps are zero.
    while (this.#heap.length > 0 && this.#heap[0].due <= now) this.#batch.push(this.#pop());
    for (const job of this.#batch) job.fire();
    this.#batch.length = 0;
    this.#running = false;
    this.#arm();
  };

  #arm(): void {
    if (this.#polling || this.#closed || this.#heap.length === 0) return;
    const due = this.#heap[0].due;
    const waitNs = due - nowNs();
    if (waitNs > POLL_NS) {
      if (this.#timer !== undefined && this.#timerDue <= due) return;
      clearTimeout(this.#timer);
      this.#timerDue = due;
      this.#timer = setTimeout(this.#run, Math.floor((waitNs - POLL_NS) / 1e6) + 1);
      return;
    }
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#timerDue = Infinity;
    this.#polling = true;
    setImmediate(this.#run);
  }

  /** Drops every pending job; nothing fires afterwards. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#heap = [];
  }

  #push(job: Timed): void {
    const h = this.#heap;
    let i = h.length;
    h.push(job);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (h[parent].due <= job.due) break;
      h[i] = h[parent];
      i = parent;
    }
    h[i] = job;
  }

  #pop(): Timed {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const c = l + 1 < h.length && h[l + 1].due < h[l].due ? l + 1 : l;
        if (h[c].due >= last.due) break;
        h[i] = h[c];
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
