import assert from "node:assert/strict";
import { systemClock } from "../clock.ts";
import { MetricsCollector, metricsHref } from "./collector.ts";

interface Gpu {
  util: number;
  power: number;
  used: number;
  total: number;
}

function exposition(gpus: Record<string, Gpu>): string {
  const lines: string[] = ['nv_inference_count{model="simple",version="1"} 7'];
  for (const [uuid, g] of Object.entries(gpus)) {
    lines.push(
      `nv_gpu_utilization{gpu_uuid="${uuid}"} ${g.util}`,
      `nv_gpu_power_usage{gpu_uuid="${uuid}"} ${g.power}`,
      `nv_gpu_memory_used_bytes{gpu_uuid="${uuid}"} ${g.used}`,
      `nv_gpu_memory_total_bytes{gpu_uuid="${uuid}"} ${g.total}`,
    );
  }
  return lines.join("\n") + "\n";
}

/** A collector whose scrapes return `bodies` in turn ("fail" throws). */
function scripted(bodies: string[], warnings: string[]): MetricsCollector {
  let i = 0;
  return new MetricsCollector({
    url: "gpu-host:8002/metrics",
    intervalMs: 1000,
    clock: systemClock,
    warn: (m) => warnings.push(m),
    fetchText: (url) => {
      assert.equal(url, "http://gpu-host:8002/metrics");
      const body = bodies[i++];
      return body === "fail"
        ? Promise.reject(new Error("connection refused"))
        : Promise.resolve(body);
    },
  });
}

Deno.test("collector: mean utilization and power, max used memory, first total, per GPU", async () => {
  const warnings: string[] = [];
  const c = scripted([
    exposition({
      A: { util: 0.2, power: 100, used: 10, total: 100 },
      B: { util: 1, power: 50, used: 5, total: 9 },
    }),
    exposition({
      A: { util: 0.4, power: 200, used: 30, total: 200 },
      B: { util: 0, power: 70, used: 4, total: 9 },
    }),
    exposition({ A: { util: 0.9, power: 300, used: 20, total: 300 } }),
    exposition({ A: { util: 0.1, power: 1, used: 99, total: 1 } }),
  ], warnings);
  c.open(0);
  await c.scrapeOnce();
  await c.scrapeOnce();
  c.open(1);
  await c.scrapeOnce();
  c.pause();
  await c.scrapeOnce(); // between windows: discarded
  const both = c.merged(0, 1);
  assert.equal(both.scrapes, 3);
  assert.ok(Math.abs(both.utilization.get("A")! - 0.5) < 1e-12);
  assert.equal(both.powerWatts.get("A"), 200);
  assert.equal(both.memoryUsedBytes.get("A"), 30);
  assert.equal(both.memoryTotalBytes.get("A"), 100);
  // B appeared in two of the three scrapes: its mean is over those two.
  assert.equal(both.utilization.get("B"), 0.5);
  assert.equal(both.powerWatts.get("B"), 60);
  assert.equal(both.memoryUsedBytes.get("B"), 5);
  const last = c.merged(1, 1);
  assert.equal(last.utilization.get("A"), 0.9);
  assert.equal(last.memoryTotalBytes.get("A"), 300);
  assert.equal(last.utilization.has("B"), false);
  assert.deepEqual(warnings, []);
});

Deno.test("collector: failed scrapes are counted, warned once, and never throw", async () => {
  const warnings: string[] = [];
  const ok = exposition({ A: { util: 0.5, power: 10, used: 1, total: 2 } });
  const c = scripted(
    ["fail", ok, "fail", 'nv_gpu_utilization{gpu_uuid="A"} 0.3\n', "garbage{"],
    warnings,
  );
  c.open(0);
  for (let i = 0; i < 5; i++) await c.scrapeOnce();
  const m = c.merged(0, 0);
  assert.equal(m.scrapes, 2);
  assert.equal(m.failedScrapes, 3);
  assert.equal(c.failures, 3);
  assert.equal(m.utilization.get("A"), 0.4);
  const failed = warnings.filter((w) => w.includes("failed"));
  assert.equal(failed.length, 1, warnings.join("\n"));
  assert.match(failed[0], /http:\/\/gpu-host:8002\/metrics failed \(connection refused\)/);
  // The fourth scrape lacked three of the four metrics: one warning each.
  assert.equal(warnings.filter((w) => w.includes("not found")).length, 3);
  await c.stop();
  assert.match(warnings.at(-1)!, /3 metrics scrape\(s\) of http:\/\/gpu-host:8002\/metrics failed/);
});

Deno.test("collector: more windows than the ring merges the whole level", async () => {
  const bodies = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6].map((util) =>
    exposition({ A: { util, power: 1, used: util * 10, total: 5 } })
  );
  const c = scripted(bodies, []);
  for (let t = 0; t < 6; t++) {
    c.open(t);
    await c.scrapeOnce();
  }
  const all = c.merged(0, 5);
  assert.equal(all.scrapes, 6);
  assert.ok(Math.abs(all.utilization.get("A")! - 0.35) < 1e-12);
  assert.equal(all.memoryUsedBytes.get("A"), 6);
  assert.equal(c.merged(3, 5).scrapes, 3);
  assert.ok(Math.abs(c.merged(3, 5).utilization.get("A")! - 0.5) < 1e-12);
});

Deno.test("metricsHref: adds http:// only when there is no scheme", () => {
  assert.equal(metricsHref("localhost:8002/metrics"), "http://localhost:8002/metrics");
  assert.equal(metricsHref("https://h/metrics"), "https://h/metrics");
});
