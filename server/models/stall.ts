/**
 * Periodic stalls: the server stops computing for `forMs` at the start of every `everyMs`
 * period (counted from server start), like a GC pause or a model reload. Tests use it to show
 * that open-loop latency reveals a stall that send-time latency hides.
 */

export interface Stall {
  everyMs: number;
  forMs: number;
}

/** When the stall in progress at `nowNs` ends, or `nowNs` itself outside a stall. */
export function stallEndNs(nowNs: number, originNs: number, stall: Stall | undefined): number {
  if (!stall) return nowNs;
  const periodNs = stall.everyMs * 1e6;
  const into = (nowNs - originNs) % periodNs;
  const stallNs = stall.forMs * 1e6;
  return into < stallNs ? nowNs + (stallNs - into) : nowNs;
}

export function checkStall(stall: Stall): void {
  const ok = (n: number) => Number.isFinite(n) && n > 0;
  if (!ok(stall.everyMs) || !ok(stall.forMs) || stall.forMs >= stall.everyMs) {
    throw new RangeError(
      `Invalid stall ${stall.forMs} ms every ${stall.everyMs} ms: expected 0 < for < every`,
    );
  }
}

/** `--stall EVERY_MS:FOR_MS` */
export function parseStall(value: string): Stall | undefined {
  const m = /^(\d+):(\d+)$/.exec(value);
  if (!m) return undefined;
  const stall = { everyMs: Number(m[1]), forMs: Number(m[2]) };
  try {
    checkStall(stall);
  } catch {
    return undefined;
  }
  return stall;
}
