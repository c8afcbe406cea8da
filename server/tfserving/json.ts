/**
 * TF Serving REST's tensors as the reference server reads and writes them (docs/protocols.md
 * §4.4): a tensor is a nested list whose nesting is its shape. Written apart from the client's
 * code for the same job, so that a nesting bug cannot hide behind a round trip; json_test.ts
 * pins it with lists written by hand.
 */
import { invalidArg } from "../kserve/http_error.ts";

/**
 * A nested list's shape and row-major elements, read one depth at a time: every list at a
 * depth must have the same length. Non-list leaves (numbers, strings, {"b64": ...}) are
 * elements; a list mixed with leaves at one depth is ragged (INVALID_ARGUMENT).
 */
export function unnest(name: string, value: unknown): { shape: number[]; flat: unknown[] } {
  const shape: number[] = [];
  let level: unknown[] = [value];
  // Bounded by the nesting depth of a parsed JSON value.
  while (level.length > 0 && Array.isArray(level[0])) {
    const width = (level[0] as unknown[]).length;
    if (!level.every((x) => Array.isArray(x) && x.length === width)) throw ragged(name);
    shape.push(width);
    level = level.flat(1);
  }
  if (level.some(Array.isArray)) throw ragged(name);
  return { shape, flat: level };
}

function ragged(name: string) {
  return invalidArg(
    `tensor '${name}' is a ragged list: every list at one depth must have the same length`,
  );
}

/** Row-major elements grouped by shape, innermost dimension first (a scalar for shape []). */
export function nest(flat: readonly unknown[], shape: readonly number[]): unknown {
  if (shape.length === 0) return flat[0];
  let level: unknown[] = [...flat];
  for (let d = shape.length - 1; d > 0; d--) {
    const width = shape[d];
    const groups = shape.slice(0, d).reduce((a, b) => a * b, 1);
    level = Array.from({ length: groups }, (_, g) => level.slice(g * width, (g + 1) * width));
  }
  return level;
}
