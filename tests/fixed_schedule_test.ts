/**
 * End-to-end: --fixed-schedule sends each data entry once at its own timestamp; warmup entries
 * go first as their own schedule, and the rest are the measurement.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer } from "./cli_harness.ts";

const A = Array.from({ length: 16 }, (_, i) => i);

Deno.test("--fixed-schedule: every entry sent once, at its timestamp, warmup excluded", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pa_fixed_" });
  try {
    const file = `${dir}/schedule.json`;
    // 12 entries 20 ms apart: the measured 10 span 180 ms, 50 req/s on average.
    const data = Array.from({ length: 12 }, (_, i) => ({
      INPUT0: A,
      INPUT1: A,
      timestamp: [i * 20],
    }));
    await Deno.writeTextFile(file, JSON.stringify({ data }));
    const missing = `${dir}/missing.json`;
    await Deno.writeTextFile(missing, JSON.stringify({ data: [{ INPUT0: A, INPUT1: A }] }));
    await withServer({}, async (server) => {
      const started = performance.now();
      const r = await runCli([
        "-m",
        "simple",
        "-u",
        server.url,
        "--fixed-schedule",
        "--input-data",
        file,
        "--warmup-request-count",
        "2",
      ]);
      const elapsedMs = performance.now() - started;
      assert.equal(r.code, 0, r.stderr);
      assert.equal(numberAfter(r.stdout, "    Request count: "), 10);
      assert.match(r.stdout, /^Request Rate: 50,/m);
      assert.equal((await server.groundTruth("simple")).successCount, 12);
      // The warmup (20 ms) and the measurement (180 ms) are paced, not sent at once.
      assert.ok(elapsedMs >= 200, `${elapsedMs} ms`);
      const bad = await runCli([
        "-m",
        "simple",
        "-u",
        server.url,
        "--fixed-schedule",
        "--input-data",
        missing,
      ]);
      assert.equal(bad.code, 99);
      assert.equal(
        bad.stderr.trim(),
        'error: --fixed-schedule: data entry 0 has no "timestamp"; every entry needs its send time in ms',
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
