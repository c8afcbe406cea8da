import assert from "node:assert/strict";
import { classify, countsLine, MEMORY_LIMIT_KB, runFault } from "./fault_matrix.ts";
import { faultCases } from "../tests/fault_cases.ts";

const OPTIONS = { timeoutMs: 60_000, memoryLimitKb: MEMORY_LIMIT_KB };
const RUN = { code: 0, stdout: "", stderr: "", timedOut: false, peakRssKb: 100_000 };

Deno.test("fault matrix: each class from what a run shows, most severe first", () => {
  assert.equal(classify(RUN, undefined, OPTIONS), "clean");
  assert.equal(classify({ ...RUN, code: -1, timedOut: true }, "x", OPTIONS), "hang");
  const trace = "error: unexpected failure: TypeError: x\n    at main (file:///main.ts:1:2)\n";
  assert.equal(classify({ ...RUN, code: 99, stderr: trace }, undefined, OPTIONS), "crash");
  assert.equal(classify({ ...RUN, code: 1 }, undefined, OPTIONS), "crash");
  assert.equal(
    classify({ ...RUN, peakRssKb: 2 * MEMORY_LIMIT_KB }, "x", OPTIONS),
    "unbounded memory",
  );
  assert.equal(classify(RUN, "expected 3", OPTIONS), "wrong");
});

Deno.test("fault matrix: two real cases run clean; a case whose check refuses the run is wrong", async () => {
  const [first, second] = faultCases();
  const clean = [await runFault(first), await runFault(second)];
  assert.equal(countsLine(clean), "2 cases: 2 clean, 0 hang, 0 crash, 0 wrong, 0 unbounded memory");
  const refused = await runFault({
    name: "refused",
    start: async () => ({
      ...await first.start(),
      check: () => {
        throw new Error("not what it must show");
      },
    }),
  });
  assert.equal(refused.verdict, "wrong");
  assert.match(refused.detail, /^exit 3, peak \d+ MiB: not what it must show$/);
});
