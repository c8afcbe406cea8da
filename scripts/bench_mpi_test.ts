import assert from "node:assert/strict";
import { mpiLines, summarizeSkews } from "./bench_mpi.ts";
import { clientNumbers, distRateRow } from "./bench_dist_rate.ts";
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

Deno.test("mpi rows: the skew and the aggregate rate rows, numbers from a merged report", () => {
  const merged = clientNumbers(
    "  Client: \n    Request count: 1200\n    Throughput: 399.5 infer/sec\n" +
      "  Server: \n    Inference count: 9\n",
  );
  assert.deepEqual(merged, { count: 1200, rate: 399.5 });
  assert.equal(clientNumbers("no report"), undefined);
  const rate = distRateRow({ ranks: 4, rate: 400, requests: 1200 }, merged!, 1200);
  assert.equal(rate.rateErrorPct, -0.125);
  const lines = mpiLines({
    date: "",
    method: "",
    startSkew: { ranks: 4, barriers: 100, p50Ms: 0.13, p99Ms: 1.967, maxMs: 3.321 },
    rate,
    problems: [],
  });
  assert.deepEqual(lines.slice(1, 3), [
    "ranks  barriers      p50       p99       max",
    "4           100  0.13 ms  1.967 ms  3.321 ms",
  ]);
  assert.equal(lines[3], "");
  assert.deepEqual(lines.slice(5), [
    "ranks  asked  merged rate   error  merged count  server count",
    "4      400/s      399.5/s  -0.13%          1200          1200",
  ]);
  // A row that did not run leaves no title behind.
  assert.deepEqual(mpiLines({ date: "", method: "", problems: ["x"] }), []);
});
