/** The GPU metrics collector against the reference server's Prometheus endpoint. */
import assert from "node:assert/strict";
import { systemClock } from "../core/clock.ts";
import { MetricsCollector } from "../core/metrics/collector.ts";
import { startServer } from "../server/mod.ts";

Deno.test("collector: scrapes the reference server on its interval until stopped", async () => {
  const server = await startServer({ metricsPort: 0 });
  const warnings: string[] = [];
  const c = new MetricsCollector({
    url: server.metricsUrl!,
    intervalMs: 40,
    clock: systemClock,
    warn: (m) => warnings.push(m),
  });
  try {
    server.gpus.set(1, { utilization: 0.625, powerWatts: 80 });
    c.open(0);
    const started = performance.now();
    c.start();
    // Until the collector has filed three scrapes (at most 10 s): a busy machine slows them, so
    // no fixed wait. (The server's count runs ahead: it counts a scrape before the reply lands.)
    while (c.merged(0, 0).scrapes < 3 && performance.now() - started < 10_000) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await c.stop();
    const elapsedMs = performance.now() - started;
    const m = c.merged(0, 0);
    assert.ok(m.scrapes >= 3, `${m.scrapes} scrapes`);
    // Never more often than the interval: one at the start, then at most one per 40 ms.
    assert.ok(m.scrapes <= Math.floor(elapsedMs / 40) + 1, `${m.scrapes} in ${elapsedMs} ms`);
    // The one warning a busy machine may cause is a scrape slower than the interval.
    assert.deepEqual(warnings.filter((w) => !/^Warning: a metrics scrape took/.test(w)), []);
    // stop() drops a scrape in flight, which the server may already have answered.
    const served = server.gpus.scrapes;
    assert.ok(served === m.scrapes || served === m.scrapes + 1, `${m.scrapes} of ${served}`);
    const [g0, g1] = server.gpus.gpus.map((g) => g.uuid);
    assert.equal(m.utilization.get(g0), 0.25);
    assert.equal(m.utilization.get(g1), 0.625);
    assert.equal(m.powerWatts.get(g1), 80);
    assert.equal(m.memoryTotalBytes.get(g1), 32 * 1024 ** 3);
    const after = server.gpus.scrapes;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(server.gpus.scrapes, after, "no scrapes after stop()");
  } finally {
    await c.stop();
    await server.close();
  }
});
