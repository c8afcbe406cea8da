import assert from "node:assert/strict";
import { distLines, runDistSection } from "./bench_dist.ts";

Deno.test("bench dist row: a small plan's artifacts merge, and the row is printed", async () => {
  const plan = { workers: 4, levels: 2, windows: 4, requestsPerWindow: 100, repeat: 1 };
  const section = await runDistSection(plan, () => {});
  assert.deepEqual(section.problems, []);
  assert.equal(section.rows.length, 1);
  const row = section.rows[0];
  assert.equal(row.workers, 4);
  assert.ok(row.artifactBytes > 1000 && row.mergeMs > 0 && row.cliMs > 0, Deno.inspect(row));
  const lines = distLines(section.rows);
  assert.match(lines[2], /^4 +2 +4 +\d+ KiB +\d+ ms +\d+ ms$/);
});
