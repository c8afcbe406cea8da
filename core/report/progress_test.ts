import assert from "node:assert/strict";
import type { LiveWindow } from "../measure/level.ts";
import { durationText, ERASE_LINE, levelLabel, ProgressLine, progressText } from "./progress.ts";

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
  assert.equal(writes[0], ERASE_LINE + "Concurrency 4 | level 1 | wind");
  assert.equal(writes.at(-1), ERASE_LINE);
  const after = writes.length;
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(writes.length, after, "no redraw after stop");
});

Deno.test("progress text: level N of M, the time left, and the spread of the last windows", () => {
  const live = { ...LIVE, spread: { throughput: 0.0084, latency: 0.1234 } };
  assert.equal(
    progressText("Concurrency 4", live, 1.5e9, -0.7e9, 2, { level: 2, levels: 5, etaNs: 95e9 }),
    "Concurrency 4 | level 2/5 | ETA 1 min 35 s | window 2/10 | 2000.0 infer/sec | " +
      "p50 708 usec | p99 1031 usec | errors 3 | spread 0.8% tput, 12.3% lat | 2.2 s",
  );
  // A binary search has no known length: the level number alone, no ETA.
  assert.equal(
    progressText("Concurrency 8", undefined, 3e9, 1e9, 1, { level: 3 }),
    "Concurrency 8 | level 3 | starting | 2.0 s",
  );
});

Deno.test("duration text", () => {
  assert.equal(durationText(0), "0 s");
  assert.equal(durationText(42.4e9), "42 s");
  assert.equal(durationText(185e9), "3 min 05 s");
  assert.equal(durationText(3720e9), "1 h 02 min");
  assert.equal(durationText(-5e9), "0 s");
});

Deno.test("progress line: counts levels; the ETA comes from the finished levels' average", () => {
  const writes: string[] = [];
  let now = 0;
  const line = new ProgressLine({
    write: (t) => writes.push(t),
    nowNs: () => now,
    columns: () => 200,
    live: () => undefined,
    batchSize: 1,
    levels: 4,
    intervalMs: 60_000,
  });
  line.start("Concurrency 1");
  assert.equal(writes.at(-1), `${ERASE_LINE}Concurrency 1 | level 1/4 | starting | 0.0 s`);
  now = 10e9;
  line.stop();
  line.start("Concurrency 2");
  now = 14e9;
  line.draw();
  // One level took 10 s; three are left including this one, 4 s into it: 26 s.
  assert.equal(
    writes.at(-1),
    `${ERASE_LINE}Concurrency 2 | level 2/4 | ETA 26 s | starting | 4.0 s`,
  );
  now = 40e9;
  line.draw();
  // Running long: the estimate never goes below 0.
  assert.match(writes.at(-1)!, /level 2\/4 \| ETA 0 s \|/);
  line.stop();
});

Deno.test("progress line: before a level has finished, the ETA counts three windows a level", () => {
  const writes: string[] = [];
  let now = 0;
  let live: LiveWindow | undefined;
  const line = new ProgressLine({
    write: (t) => writes.push(t),
    nowNs: () => now,
    columns: () => 200,
    live: () => live,
    batchSize: 1,
    levels: 2,
    intervalMs: 60_000,
  });
  line.start("Concurrency 1");
  live = { ...LIVE, window: 1, startNs: 0 };
  now = 1e9;
  line.draw();
  // The first window is still open: its length is not known yet.
  assert.ok(writes.at(-1)!.startsWith(`${ERASE_LINE}Concurrency 1 | level 1/2 | window 1/10 |`));
  // The second window opened at 1.2 s: two levels of three 1.2 s windows, 1.5 s gone.
  live = { ...LIVE, window: 2, startNs: 1.2e9 };
  now = 1.5e9;
  line.draw();
  assert.match(writes.at(-1)!, /level 1\/2 \| ETA 6 s \| window 2\/10/);
  line.stop();
});
