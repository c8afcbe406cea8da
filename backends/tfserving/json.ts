/**
 * TF Serving REST's tensor JSON (docs/protocols.md §4.4): a tensor is a nested list whose nesting
 * is its shape, for request bodies and reply decoding. The reference server has its own
 * implementation (server/tfserving/json.ts), so a nesting bug here fails against it.
 */
import { RunError } from "../../core/errors.ts";

/** Nests flat elements by shape (the bare element for an empty shape). */
export function nest(values: readonly unknown[], shape: readonly number[]): unknown {
  const at = (offset: number, dim: number): unknown => {
    if (dim === shape.length) return values[offset];
    const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: shape[dim] }, (_, i) => at(offset + i * stride, dim + 1));
  };
  return at(0, 0);
}

/**
 * A nested list's shape and row-major elements; RunError naming `name` when the list is
 * ragged. Non-array leaves (numbers, strings, {"b64": ...}) are elements.
 */
export function unnest(name: string, value: unknown): { shape: number[]; flat: unknown[] } {
  const shape: number[] = [];
  for (let x = value; Array.isArray(x); x = x[0]) {
    shape.push(x.length);
    if (x.length === 0) break;
  }
  const flat: unknown[] = [];
  const walk = (x: unknown, dim: number): void => {
    if (dim === shape.length) {
      if (Array.isArray(x)) throw ragged(name);
      flat.push(x);
      return;
    }
    if (!Array.isArray(x) || x.length !== shape[dim]) throw ragged(name);
    for (const item of x) walk(item, dim + 1);
  };
  walk(value, 0);
  return { shape, flat };
}

function ragged(name: string): RunError {
  return new RunError(
    `tensor '${name}' is a ragged list: every list at one depth must have the same length`,
  );
}

/** JSON text of nested values where 64-bit integers (bigint) keep every digit. */
export function jsonText(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(jsonText).join(",")}]`;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object" && value !== null) {
    const fields = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${jsonText(v)}`);
    return `{${fields.join(",")}}`;
  }
  return JSON.stringify(value);
}
