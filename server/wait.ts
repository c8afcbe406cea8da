/** Waiting primitives for simulated compute time, shared by the plain and decoupled executors. */
import { setImmediate } from "node:timers";
import { nowNs } from "./models/stats.ts";

const SPIN_BELOW_NS = 2_000_000;

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** One turn of the event loop: I/O callbacks run before it resolves. */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Waits until `deadlineNs` on the monotonic clock. With `busySpin`, the last 2 ms are polled
 * once per event-loop turn rather than spun in a tight loop: a tight spin would block every
 * other instance (and the listener) of this single-threaded server, hiding queueing as
 * unaccounted socket wait. Deno timers fire no sooner than ~1-2 ms, hence the polling.
 */
export async function waitUntil(deadlineNs: number, busySpin: boolean): Promise<void> {
  // Bounded: each pass returns, polls one loop turn nearer, or sleeps >= 1 ms toward it.
  for (let remaining = deadlineNs - nowNs(); remaining > 0; remaining = deadlineNs - nowNs()) {
    if (busySpin && remaining < SPIN_BELOW_NS) {
      await nextTurn();
      continue;
    }
    const sleepNs = busySpin ? remaining - SPIN_BELOW_NS : remaining;
    await sleepMs(Math.max(1, Math.ceil(sleepNs / 1e6)));
  }
}

/**
 * `instances` execution slots with a FIFO queue in front: a released slot passes straight to
 * the oldest waiter, so queueing order is arrival order.
 */
export class InstancePool {
  #busy = 0;
  /** Waiters in arrival order; `#head` avoids O(n) shifts under a long queue. */
  #waiters: (() => void)[] = [];
  #head = 0;

  constructor(private readonly instances: number) {}

  /** Resolves when the caller owns an instance; undefined when one was free at once. */
  acquire(): Promise<void> | undefined {
    if (this.#busy < this.instances) {
      this.#busy++;
      return undefined;
    }
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  release(): void {
    if (this.#head < this.#waiters.length) {
      const next = this.#waiters[this.#head++];
      if (this.#head > 1024 && this.#head * 2 > this.#waiters.length) {
        this.#waiters = this.#waiters.slice(this.#head);
        this.#head = 0;
      }
      next();
      return;
    }
    this.#busy--;
  }

  /** Requests waiting for an instance right now. */
  get queued(): number {
    return this.#waiters.length - this.#head;
  }
}
