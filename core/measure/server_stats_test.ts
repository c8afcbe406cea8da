import assert from "node:assert/strict";
import { emptyStats, statsDelta } from "./server_stats.ts";

Deno.test("statsDelta subtracts every counter", () => {
  const before = { ...emptyStats(), successCount: 10, successNs: 1000, queueNs: 50 };
  const after = { ...emptyStats(), successCount: 25, successNs: 4000, queueNs: 80 };
  const d = statsDelta(before, after);
  assert.equal(d.successCount, 15);
  assert.equal(d.successNs, 3000);
  assert.equal(d.queueNs, 30);
  assert.equal(d.cacheMissNs, 0);
  assert.equal(Object.keys(d).length, 16);
});
