/**
 * Lenient readers for JSON coming from inference servers. Triton prints int64 proto fields as
 * numbers on HTTP but other servers (and protobuf JSON printers) print them as strings, so every
 * integer read here accepts both.
 */

export type JsonObject = Record<string, unknown>;

export function asObject(v: unknown): JsonObject | undefined {
  return typeof v === "object" && v !== null && !Array.isArray(v) ? v as JsonObject : undefined;
}

export function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** An integer from a JSON number or a decimal string; undefined for anything else. */
export function asInt(v: unknown): number | undefined {
  if (typeof v === "number") return Number.isInteger(v) ? v : undefined;
  if (typeof v === "string" && /^-?\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

export function asString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}

/** True only for JSON true or the string "true" (some converters stringify booleans). */
export function asBool(v: unknown): boolean {
  return v === true || v === "true";
}
