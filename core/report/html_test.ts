import assert from "node:assert/strict";
import { formatHtmlReport } from "./html.ts";
import { closedLoopSummary, openLoopSummary } from "./testing/fixture.ts";
import { chart, readCharts } from "../testing/svg_read.ts";

Deno.test("closed loop: latency, percentile and breakdown charts with one point per level", () => {
  const s = closedLoopSummary();
  const html = formatHtmlReport(s);
  assert.deepEqual(readCharts(html).map((c) => c.id), [
    "latency-throughput",
    "latency-percentiles",
    "server-breakdown",
  ]);
  const lt = chart(html, "latency-throughput")!;
  assert.deepEqual(lt.series.map((x) => x.id), ["avg", "p50", "p90", "p99"]);
  for (const series of lt.series) {
    assert.equal(series.declaredPoints, 2);
    assert.equal(series.marks.length, 2);
  }
  const p99 = lt.series.find((x) => x.id === "p99")!;
  // x = throughput, y = p99 in µs, level by level.
  assert.deepEqual(p99.marks.map((m) => [m["data-x"], m["data-y"]]), [
    ["5733.34", "273.3"],
    ["6064.76", "547.3"],
  ]);
  const pc = chart(html, "latency-percentiles")!;
  assert.deepEqual(pc.series.map((x) => x.id), ["p50", "p90", "p95", "p99"]);
  assert.deepEqual(pc.series[0].marks.map((m) => [m["data-category"], m["data-value"]]), [
    ["1", "165.3"],
    ["2", "311.3"],
  ]);
  const sb = chart(html, "server-breakdown")!;
  assert.deepEqual(sb.series.map((x) => x.id), [
    "queue",
    "computeInput",
    "computeInfer",
    "computeOutput",
    "overhead",
  ]);
  assert.deepEqual(sb.series[2].marks.map((m) => m["data-value"]), ["21.9", "45.4"]);
  assert.match(html, /No send-lateness chart/);
});

Deno.test("open loop: send lateness p50/p99/max per level", () => {
  const html = formatHtmlReport(openLoopSummary());
  const sl = chart(html, "send-lateness")!;
  assert.deepEqual(sl.series.map((x) => x.id), ["lateness-p50", "lateness-p99", "lateness-max"]);
  assert.deepEqual(sl.series.map((x) => x.marks.map((m) => m["data-value"])), [
    ["2", "4"],
    ["40", "80"],
    ["120", "240"],
  ]);
  assert.deepEqual(sl.series[0].marks.map((m) => m["data-category"]), ["200", "400"]);
  assert.match(html, /<th class="text">requestDistribution<\/th><td class="text">constant/);
});

Deno.test("self-contained: nothing to fetch, no script, every text escaped", () => {
  const s = closedLoopSummary();
  s.settings.model = `<script>alert("x")</script>`;
  s.levels[0].status = "stable";
  const html = formatHtmlReport(s);
  assert.ok(!/<script/i.test(html), "a script tag got through");
  assert.ok(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  // No external resource of any kind: links, sources, CSS imports or urls.
  assert.ok(!/\b(src|href)=|@import|url\(/i.test(html));
  assert.ok(!/https?:\/\/(?!www\.w3\.org\/2000\/svg)/.test(html));
});

Deno.test("deterministic: the same summary gives the same page", () => {
  assert.equal(formatHtmlReport(openLoopSummary()), formatHtmlReport(openLoopSummary()));
});

Deno.test("a run with no level still renders, with empty charts", () => {
  const s = closedLoopSummary();
  s.levels = [];
  const html = formatHtmlReport(s);
  const lt = chart(html, "latency-throughput")!;
  assert.deepEqual(lt.series.map((x) => x.declaredPoints), [0, 0, 0, 0]);
  assert.match(html, /0 level\(s\) measured/);
});
