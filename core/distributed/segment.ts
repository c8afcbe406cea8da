/**
 * Execution segments, as k6 spells them: a worker owns the part `a:b` of [0, 1], and the
 * sequence `0,s1,...,1` lists every worker's boundaries so each one can compute all the shares
 * (and so the shares of all workers add up exactly). Boundaries are exact rationals: "1/3" and
 * "0.25" both parse; floating point would make 1/3 + 1/3 + 1/3 miss 1.
 */
import { UsageError } from "../errors.ts";

/** A non-negative rational `num/den` in lowest terms. */
export interface Fraction {
  num: number;
  den: number;
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

export function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

function fraction(num: number, den: number): Fraction {
  const g = gcd(num, den);
  return { num: num / g, den: den / g };
}

function compare(a: Fraction, b: Fraction): number {
  return a.num * b.den - b.num * a.den;
}

export function formatFraction(f: Fraction): string {
  return f.den === 1 ? `${f.num}` : `${f.num}/${f.den}`;
}

/** Denominators beyond this would make the striping period (their lcm) too long to tabulate. */
const MAX_DENOMINATOR = 1_000_000;

/** Parses "n/d", a decimal ("0.25") or an integer within [0, 1]. */
export function parseFraction(flag: string, text: string): Fraction {
  const bad = (why: string) => new UsageError(`Invalid value for ${flag}: "${text}". ${why}`);
  let f: Fraction;
  const ratio = /^(\d+)\/(\d+)$/.exec(text);
  const decimal = /^(\d+)(?:\.(\d+))?$/.exec(text);
  if (ratio) {
    const den = Number(ratio[2]);
    if (den === 0) throw bad("The denominator must not be 0.");
    f = fraction(Number(ratio[1]), den);
  } else if (decimal) {
    const digits = decimal[2] ?? "";
    if (digits.length > 6) throw bad("Use at most 6 decimals, or a fraction such as 1/3.");
    f = fraction(Number(decimal[1] + digits), 10 ** digits.length);
  } else {
    throw bad("Expected a fraction (1/4), a decimal (0.25), 0 or 1.");
  }
  if (f.num > f.den) throw bad("Segment boundaries lie within [0, 1].");
  if (f.den > MAX_DENOMINATOR) throw bad(`Denominators above ${MAX_DENOMINATOR} are refused.`);
  return f;
}

/** Every worker's boundaries, from 0 to 1, and which part (index) is this worker's. */
export interface Segmentation {
  /** Strictly increasing, first 0, last 1. */
  sequence: Fraction[];
  /** This worker's part: [sequence[index], sequence[index + 1]). */
  index: number;
}

export const SEGMENT_FLAG = "--execution-segment";
export const SEQUENCE_FLAG = "--execution-segment-sequence";

/**
 * k6's `--execution-segment a:b` with an optional `--execution-segment-sequence`. Without a
 * sequence the other workers are taken to be [0, a) and [b, 1], as k6 does.
 */
export function parseSegmentation(segment: string, sequence?: string): Segmentation {
  const parts = segment.split(":");
  if (parts.length !== 2) {
    throw new UsageError(
      `Invalid value for ${SEGMENT_FLAG}: "${segment}". Expected a:b (1/4:1/2).`,
    );
  }
  const a = parseFraction(SEGMENT_FLAG, parts[0]);
  const b = parseFraction(SEGMENT_FLAG, parts[1]);
  if (compare(a, b) >= 0) {
    throw new UsageError(`Invalid value for ${SEGMENT_FLAG}: "${segment}". a must be below b.`);
  }
  let bounds: Fraction[];
  if (sequence === undefined) {
    bounds = [{ num: 0, den: 1 }, a, b, { num: 1, den: 1 }]
      .filter((f, i, all) => i === 0 || compare(f, all[i - 1]) !== 0);
  } else {
    bounds = sequence.split(",").map((s) => parseFraction(SEQUENCE_FLAG, s.trim()));
    const ordered = bounds.every((f, i) => i === 0 || compare(f, bounds[i - 1]) > 0);
    if (!ordered || bounds[0].num !== 0 || compare(bounds.at(-1)!, { num: 1, den: 1 }) !== 0) {
      throw new UsageError(
        `Invalid value for ${SEQUENCE_FLAG}: "${sequence}". Expected increasing boundaries from ` +
          "0 to 1 (0,1/3,2/3,1).",
      );
    }
  }
  const index = bounds.findIndex((f) => compare(f, a) === 0);
  if (index < 0 || index + 1 >= bounds.length || compare(bounds[index + 1], b) !== 0) {
    throw new UsageError(
      `${SEGMENT_FLAG} ${segment} is not one of the parts of ${SEQUENCE_FLAG} ` +
        bounds.map(formatFraction).join(","),
    );
  }
  return { sequence: bounds, index };
}

/** Worker i of n: the part [i/n, (i+1)/n) of the sequence 0, 1/n, ..., 1. */
export function evenSegmentation(index: number, count: number): Segmentation {
  const sequence = Array.from({ length: count + 1 }, (_, i) => fraction(i, count));
  return { sequence, index };
}

/** "a:b" of part `i` (this worker's by default). */
export function segmentText(s: Segmentation, i = s.index): string {
  return `${formatFraction(s.sequence[i])}:${formatFraction(s.sequence[i + 1])}`;
}

export function sequenceText(s: Segmentation): string {
  return s.sequence.map(formatFraction).join(",");
}

/** The size of part `i` as a fraction. */
export function partSize(s: Segmentation, i: number): Fraction {
  const a = s.sequence[i];
  const b = s.sequence[i + 1];
  return fraction(b.num * a.den - a.num * b.den, a.den * b.den);
}
