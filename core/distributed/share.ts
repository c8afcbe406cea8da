/**
 * Exact shares of a load split over workers. The global sequence of units (request j of the one
 * schedule, slot j of the concurrency, request j of --request-count) is dealt out by one rule
 * that every worker computes alone: unit j goes to the part that is furthest behind its quota
 * after j units (ties to the lower part). For equal parts that is j mod n, as k6's striping; for
 * any parts each share stays within one unit of its exact quota, the pattern repeats every
 * `period` units (the lcm of the parts' denominators), and the parts' shares of the first m
 * units add up to m exactly.
 */
import { UsageError } from "../errors.ts";
import type { Schedule } from "../load/schedule.ts";
import { lcm, partSize, type Segmentation } from "./segment.ts";

/** Period × parts beyond this is refused: the owner table would be too large to build. */
const MAX_TABLE = 10_000_000;

export class Stripes {
  /** Units after which the dealing repeats. */
  readonly period: number;
  readonly parts: number;
  /** This worker's part. */
  readonly index: number;
  /** owner[j] = the part that gets unit j (mod period). */
  readonly #owner: Uint32Array;
  /** Units each part gets per period. */
  readonly #perPeriod: number[];

  constructor(segmentation: Segmentation) {
    const parts = segmentation.sequence.length - 1;
    const sizes = Array.from({ length: parts }, (_, i) => partSize(segmentation, i));
    const period = sizes.reduce((l, f) => lcm(l, f.den), 1);
    if (period * parts > MAX_TABLE) {
      throw new UsageError(
        `The execution segments need a striping period of ${period} units; use simpler ` +
          "fractions (such as i/n).",
      );
    }
    this.period = period;
    this.parts = parts;
    this.index = segmentation.index;
    // Quotas scaled by the period so the arithmetic stays in integers.
    const weight = sizes.map((f) => f.num * (period / f.den));
    const given = new Array<number>(parts).fill(0);
    this.#owner = new Uint32Array(period);
    for (let j = 0; j < period; j++) {
      let best = 0;
      let bestDeficit = -Infinity;
      for (let i = 0; i < parts; i++) {
        const deficit = (j + 1) * weight[i] - given[i] * period;
        if (deficit > bestDeficit) [best, bestDeficit] = [i, deficit];
      }
      given[best]++;
      this.#owner[j] = best;
    }
    this.#perPeriod = given;
  }

  /** True when global unit `j` is this worker's. */
  owns(j: number): boolean {
    return this.#owner[j % this.period] === this.index;
  }

  /** How many of the first `m` units part `part` gets. */
  share(m: number, part = this.index): number {
    const whole = Math.floor(m / this.period);
    let n = whole * this.#perPeriod[part];
    for (let j = 0; j < m - whole * this.period; j++) if (this.#owner[j] === part) n++;
    return n;
  }

  /**
   * This worker's contiguous piece of [start, end): the parts take consecutive pieces, each
   * as long as its share, so the pieces are disjoint and cover the range.
   */
  subrange(start: number, end: number): [number, number] {
    let from = start;
    for (let i = 0; i < this.index; i++) from += this.share(end - start, i);
    return [from, from + this.share(end - start)];
  }

  /**
   * The global schedule thinned to this worker's units: each offset is the global schedule's
   * own, so the union of every worker's sends is the single-machine schedule, bit for bit.
   */
  stripe(global: Schedule): Schedule {
    let j = 0;
    return {
      rate: global.rate,
      next: () => {
        for (;;) {
          const at = global.next();
          if (this.owns(j++)) return at;
        }
      },
      describe: () => `${global.describe()}; every unit of part ${this.index} of ${this.parts}`,
    };
  }
}
