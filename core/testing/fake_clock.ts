/**
 * A simulated clock for deterministic tests of timing logic. Time stands still while code
 * runs; whenever the event loop has nothing else to do, the clock jumps to the earliest
 * pending sleep and wakes exactly that one sleeper (ties in the order they went to sleep).
 */
import { setImmediate } from "node:timers";
import type { Clock } from "../clock.ts";

interface Sleeper {
  atNs: number;
  seq: number;
  wake(): void;
}

export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  #sleepers: Sleeper[] = [];
  #scheduled = false;

  nowNs(): number {
    return this.#now;
  }

  toEpochNs(monoNs: number): number {
    return monoNs;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((wake) => {
      if (signal?.aborted) return wake();
      const sleeper = { atNs: this.#now + ms * 1e6, seq: this.#seq++, wake };
      this.#sleepers.push(sleeper);
      signal?.addEventListener("abort", () => {
        const at = this.#sleepers.indexOf(sleeper);
        if (at >= 0) this.#sleepers.splice(at, 1);
        wake();
      }, { once: true });
      this.#schedule();
    });
  }

  /** A macrotask runs only once all microtasks are done: that is when time may move on. */
  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.#advance());
  }

  #advance(): void {
    this.#scheduled = false;
    if (this.#sleepers.length === 0) return;
    let next = 0;
    for (let i = 1; i < this.#sleepers.length; i++) {
      const a = this.#sleepers[i];
      const b = this.#sleepers[next];
      if (a.atNs < b.atNs || (a.atNs === b.atNs && a.seq < b.seq)) next = i;
    }
    const [sleeper] = this.#sleepers.splice(next, 1);
    this.#now = Math.max(this.#now, sleeper.atNs);
    sleeper.wake();
    if (this.#sleepers.length > 0) this.#schedule();
  }
}
