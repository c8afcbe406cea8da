import assert from "node:assert/strict";
import type { LiveWindow } from "../measure/level.ts";
import { ERASE_LINE, levelLabel, ProgressLine, progressText } from "./progress.ts";

const LIVE: LiveWindow = {
  window: 2,
  maxWindows: 10,
  startNs: 1e9,
  requestCount: 500,
  errorCount: 3,
  p50Ns: 708_900,
  p99Ns: 1_031_400,
};

Deno.test("progress text: window, rate over the open window, percentiles in usec, errors, elapsed", () => {
  // 500 requests × batch 2 in the 0.5 s the window has been open; 2.2 s into the level.
  const text = progressText("Concurrency 4", LIVE, 1.5e9, -0.7e9, 2);
  assert.equal(
    text,
    "Concurrency 4 | window 2/10 | 2000.0 infer/sec | p50 708 usec | p99 1031 usec | errors 3 | 2.2 s",
  );
});

Deno.test("progress text between windows says so", () => {
  assert.equal(
    progressText("Request rate 200", undefined, 3e9, 1e9, 1),
    "Request rate 200 | starting | 2.0 s",
  );
});

Deno.test("level labels", () => {
  assert.equal(levelLabel("concurrency", 3), "Concurrency 3");
  assert.equal(levelLabel("request_rate", 12.5), "Request rate 12.5");
});

Deno.test("progress line: redraws with erase, cut to the width, erased on stop, stop idempotent", async () => {
  const writes: string[] = [];
  let now = 1.5e9;
  const line = new ProgressLine({
    write: (t) => writes.push(t),
    nowNs: () => now,
    columns: () => 31,
    live: () => LIVE,
    batchSize: 1,
    intervalMs: 10,
  });
  line.stop();
  assert.equal(writes.length, 0, "stop before start writes nothing");
  line.start("Concurrency 4");
  now = 2e9;
  await new Promise((r) => setTimeout(r, 45));
  line.stop();
  line.stop();
  assert.ok(writes.length >= 3, `expected redraws, got ${writes.length}`);
  for (const w of writes.slice(0, -1)) {
    assert.ok(w.startsWith(ERASE_LINE));
    assert.equal(w.length, ERASE_LINE.length + 30, "cut to columns − 1");
  }
  assert.equal(writes[0], ERASE_LINE + "Concurrency 4 | window 2/10 | ");
  assert.equal(writes.at(-1), ERASE_LINE);
  const after = writes.length;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(writes.length, after, "no redraw after stop");
});
