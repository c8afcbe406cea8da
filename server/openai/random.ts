/**
 * Seeded random numbers. Each request draws from its own streams, keyed by the server seed, the
 * request's arrival index and a stream number, so one stream's draws (say, chaos cuts) never
 * shift another's (say, token gaps) and request i repeats whatever ran before it.
 */

/** The random streams of one request. */
export const STREAM = { fault: 1, tokens: 2, timing: 3, chaos: 4 } as const;
export type Stream = (typeof STREAM)[keyof typeof STREAM];

/** Mixes 32-bit words into one (the murmur3 finaliser), so nearby keys give unrelated seeds. */
function mix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** A mulberry32 generator: uniform numbers in [0, 1). */
export function seeded(seed: number, index: number, stream: Stream): () => number {
  let state = mix(mix(mix(seed >>> 0) ^ (index >>> 0)) ^ stream);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
