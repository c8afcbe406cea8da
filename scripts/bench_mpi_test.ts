import assert from "node:assert/strict";
import { summarizeSkews } from "./bench_mpi.ts";
import { barrierSkewsMs } from "../core/distributed/mpi/skew.ts";

Deno.test("start skew: latest minus earliest release per barrier, nearest-rank percentiles", () => {
  const skews = barrierSkewsMs([
    { rank: 0, size: 2, releasesMs: [100, 200.5, 300] },
    { rank: 1, size: 2, releasesMs: [100.25, 200, 303] },
  ]);
  assert.deepEqual(skews, [0.25, 0.5, 3]);
  assert.deepEqual(summarizeSkews(2, skews), {
    ranks: 2,
    barriers: 3,
    p50Ms: 0.5,
    p99Ms: 3,
    maxMs: 3,
  });
  // 100 barriers: p99 is the 99th smallest, not the largest.
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(summarizeSkews(4, hundred).p99Ms, 99);
  assert.equal(summarizeSkews(4, hundred).p50Ms, 50);
});
