/**
 * Joining byte chunks, which readers of streams, frame writers and tensor batchers all need:
 * one implementation instead of one per module.
 */

/** The chunks in order in one new array (a copy even of a single chunk). */
export function copyJoined(chunks: readonly Uint8Array[]): Uint8Array {
  let total = 0;
  for (const c of chunks) total += c.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The chunks in order as one array: a single chunk is returned as it is, so use this only where
 * the caller owns the chunks (a view of a reused buffer needs {@link copyJoined}).
 */
export function joinBytes(chunks: readonly Uint8Array[]): Uint8Array {
  return chunks.length === 1 ? chunks[0] : copyJoined(chunks);
}

/** `a` then `b` in one new array. */
export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  return copyJoined([a, b]);
}
