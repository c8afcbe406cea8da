/**
 * Parsers for option values. Every failure is a UsageError worded like perf_analyzer's
 * ("Failed to parse <option>. <rule>.") plus the value the user gave (` Got "VALUE".`), and
 * non-numeric text is always an error: never NaN, never a C++-style prefix parse ("10abc" → 10).
 */
import type { Range } from "./config.ts";
import { UsageError } from "../errors.ts";
import { didYouMean } from "./suggest.ts";

/** `Failed to parse <label>. <rule> Got "<value>".` and a hint; `rule` ends with a period. */
export function valueError(label: string, rule: string, value: string, hint = ""): UsageError {
  return new UsageError(`Failed to parse ${label}. ${rule} Got "${value}".${hint}`);
}

const INTEGER = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Parses a whole base-10 integer (sign allowed); rejects fractions, blanks and junk. */
export function parseInteger(label: string, value: string): number {
  if (!INTEGER.test(value)) throw valueError(label, "The value must be an integer.", value);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) {
    throw valueError(
      label,
      `The value must be an integer within ±${Number.MAX_SAFE_INTEGER}.`,
      value,
    );
  }
  return n;
}

/** Parses a decimal number such as "10", "2.5" or "1e1". */
export function parseDecimal(label: string, value: string): number {
  const n = Number(value);
  if (!DECIMAL.test(value) || !Number.isFinite(n)) {
    throw valueError(label, "The value must be a number.", value);
  }
  return n;
}

/** An integer that must satisfy `ok`; `rule` says what is expected, e.g. "The value must be > 0." */
export function parseIntegerWhere(
  label: string,
  value: string,
  ok: (n: number) => boolean,
  rule: string,
): number {
  const n = parseInteger(label, value);
  if (!ok(n)) throw valueError(label, rule, value);
  return n;
}

/** Accepts one of `choices` exactly (perf_analyzer compares case-sensitively). */
export function parseChoice<T extends string>(
  label: string,
  value: string,
  choices: readonly T[],
): T {
  const hit = choices.find((c) => c === value);
  if (hit === undefined) {
    const list = choices.map((c) => `"${c}"`).join(" or ");
    throw valueError(label, `The value must be ${list}.`, value, didYouMean(value, choices));
  }
  return hit;
}

/** A parsed `--concurrency-range` and how many of its parts were given. */
export interface ParsedRange extends Range {
  parts: number;
}

const RANGE_LABEL = "--concurrency-range";
const RATE_LABEL = "--request-rate-range";

/**
 * Parses `--request-rate-range start[:end[:step]]` in requests per second (decimals allowed).
 * One value means start = end; omitted parts keep 1.0; end 0 means "no limit".
 */
export function parseRateRange(value: string): ParsedRange {
  const parts = value.split(":");
  if (parts.length > 3) {
    throw valueError(RATE_LABEL, "The value does not match <start:end:step>.", value);
  }
  const numbers = parts.map((part) => {
    const n = Number(part);
    if (part.trim() === "" || !Number.isFinite(n) || n < 0) {
      const rule = `The value does not match <start:end:step>: "${part}" is not a number >= 0.`;
      throw valueError(RATE_LABEL, rule, value);
    }
    return n;
  });
  const start = numbers[0];
  const end = numbers.length >= 2 ? numbers[1] : start;
  const step = numbers.length === 3 ? numbers[2] : 1;
  if (!(start > 0)) throw valueError(RATE_LABEL, "The start must be > 0.", value);
  if (!(step > 0)) throw valueError(RATE_LABEL, "The step must be > 0.", value);
  if (end !== 0 && end < start) {
    throw valueError(RATE_LABEL, "The end must be >= the start, or 0 for no limit.", value);
  }
  return { start, end, step, parts: parts.length };
}

/**
 * Parses `start[:end[:step]]`. One value means start = end = value; omitted parts keep 1;
 * end 0 means "no limit".
 */
export function parseConcurrencyRange(value: string): ParsedRange {
  const parts = value.split(":");
  if (parts.length > 3) {
    throw valueError(RANGE_LABEL, "The value does not match <start:end:step>.", value);
  }
  const numbers = parts.map((part) => {
    if (!/^\d+$/.test(part) || !Number.isSafeInteger(Number(part))) {
      const rule =
        `The value does not match <start:end:step>: "${part}" is not a non-negative integer.`;
      throw valueError(RANGE_LABEL, rule, value);
    }
    return Number(part);
  });
  const start = numbers[0];
  const end = numbers.length >= 2 ? numbers[1] : start;
  const step = numbers.length === 3 ? numbers[2] : 1;
  if (start < 1) throw valueError(RANGE_LABEL, "The start must be >= 1.", value);
  if (step < 1) throw valueError(RANGE_LABEL, "The step must be > 0.", value);
  if (end !== 0 && end < start) {
    throw valueError(RANGE_LABEL, "The end must be >= the start, or 0 for no limit.", value);
  }
  return { start, end, step, parts: parts.length };
}

/** Parses `NAME:d1,d2,...`; the name is everything before the last ':' (as perf_analyzer splits). */
export function parseShape(value: string): [string, number[]] {
  const colon = value.lastIndexOf(":");
  if (colon < 0) {
    throw new UsageError(
      `Cannot parse --shape "${value}": expected NAME:d1,d2,... (a colon after the input name).`,
    );
  }
  const name = value.slice(0, colon);
  if (name === "") {
    throw new UsageError(`Cannot parse --shape "${value}": the input name is empty.`);
  }
  const dims = value.slice(colon + 1).split(",").map((dim) => {
    const n = Number(dim);
    if (!/^\d+$/.test(dim) || !Number.isSafeInteger(n) || n < 1) {
      throw new UsageError(
        `Cannot parse --shape "${value}": dimension "${dim}" is not a positive integer.`,
      );
    }
    return n;
  });
  return [name, dims];
}

const HEADER_LABEL = "-H (HTTP header)";

/** Parses `Name:Value`: split at the first ':', the name trimmed, the value's leading spaces dropped. */
export function parseHeader(value: string): [string, string] {
  const colon = value.indexOf(":");
  if (colon < 0) throw valueError(HEADER_LABEL, 'The value must be "Name:Value".', value);
  const name = value.slice(0, colon).trim();
  if (name === "") throw valueError(HEADER_LABEL, "The header name must not be empty.", value);
  return [name, value.slice(colon + 1).replace(/^[ \t]+/, "")];
}
