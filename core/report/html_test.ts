import assert from "node:assert/strict";
import { formatHtmlReport, levelColors, settingLabel } from "./html.ts";
import { buildRunSummary } from "./json.ts";
import { closedLoopSummary, FIXED_DATE, openLoopSummary } from "./testing/fixture.ts";
import { context, plainLevels } from "./testing/testdata.ts";
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
  // x = throughput, y = p99 in µs (every value is below 10 ms), level by level.
  assert.deepEqual(p99.marks.map((m) => [m["data-x"], m["data-y"]]), [
    ["5733.34", "273.3"],
    ["6064.76", "547.3"],
  ]);
  assert.match(html, /Latency \(µs\)/);
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
  assert.match(html, /No intended-vs-service and send-lateness charts/);
  assert.match(html, /No latency spectrum/);
  assert.match(html, /No failed requests at any level/);
  assert.match(html, /No window charts: this summary keeps no windows/);
});

Deno.test("latency spectrum: one series per level, its points the summary's percentiles", () => {
  const s = openLoopSummary();
  const sp = chart(formatHtmlReport(s), "latency-spectrum")!;
  assert.deepEqual(sp.series.map((x) => x.id), ["level-200", "level-400"]);
  s.levels.forEach((l, i) => {
    assert.equal(sp.series[i].declaredPoints, 12);
    assert.deepEqual(
      sp.series[i].marks.map((m) => [Number(m["data-x"]), Number(m["data-y"])]),
      l.spectrumUs!.map((p) => [p.percentile, p.us]),
    );
  });
  // The nines scale: p90, p99, p99.9 and p99.99 equally spaced, the max at the right edge.
  const cx = (p: number) => Number(sp.series[0].marks.find((m) => m["data-x"] === `${p}`)!.cx);
  const step = cx(99) - cx(90);
  assert.ok(step > 0);
  for (const [a, b] of [[99, 99.9], [99.9, 99.99], [99.99, 100]]) {
    assert.ok(Math.abs(cx(b) - cx(a) - step) < 0.2, `${a} → ${b}`);
  }
  // Log y: 10× the latency is the same height step everywhere (p100 is 10 × p99).
  const cy = (p: number) => Number(sp.series[0].marks.find((m) => m["data-x"] === `${p}`)!.cy);
  const decade = cy(99) - cy(100);
  assert.ok(decade > 30, `a decade is ${decade} px`);
});

Deno.test("open loop: latency from the intended send against service time, per rate", () => {
  const html = formatHtmlReport(openLoopSummary());
  const ol = chart(html, "open-loop-latency")!;
  assert.deepEqual(ol.series.map((x) => x.id), [
    "intended-p50",
    "service-p50",
    "intended-p99",
    "service-p99",
  ]);
  const xy = (i: number) => ol.series[i].marks.map((m) => [m["data-x"], m["data-y"]]);
  assert.deepEqual(xy(0), [["200", "318.3"], ["400", "292.3"]]);
  assert.deepEqual(xy(1), [["200", "230"], ["400", "210"]]);
  assert.deepEqual(xy(3), [["200", "380"], ["400", "360"]]);
  // Service time is drawn dashed, in the colour of its statistic.
  assert.match(html, /stroke="#0072b2" stroke-width="2" stroke-dasharray="6 3"/);
});

Deno.test("send lateness: p50/p99/max per level on a log axis, so p50 stays visible", () => {
  const html = formatHtmlReport(openLoopSummary());
  const sl = chart(html, "send-lateness")!;
  assert.deepEqual(sl.series.map((x) => x.id), ["lateness-p50", "lateness-p99", "lateness-max"]);
  assert.deepEqual(sl.series.map((x) => x.marks.map((m) => m["data-value"])), [
    ["2", "4"],
    ["40", "80"],
    ["120", "240"],
  ]);
  assert.deepEqual(sl.series[0].marks.map((m) => m["data-category"]), ["200", "400"]);
  const height = (series: number, level: number) => Number(sl.series[series].marks[level].height);
  // Linear, the 2 µs p50 would be 1/60 of the max's bar; on the log axis over an eighth.
  assert.ok(height(0, 0) > height(2, 0) / 8, `${height(0, 0)} vs ${height(2, 0)}`);
  assert.ok(height(0, 0) < height(1, 0) && height(1, 0) < height(2, 0));
  assert.match(html, /Lateness \(µs, log scale\)/);
});

Deno.test("errors per level: stacked by error text, most frequent first", () => {
  const ep = chart(formatHtmlReport(openLoopSummary()), "errors-per-level")!;
  assert.deepEqual(ep.series.map((x) => x.id), ["error-1", "error-2"]);
  assert.deepEqual(ep.series.map((x) => x.marks.map((m) => m["data-value"])), [
    ["0", "5"],
    ["0", "2"],
  ]);
  assert.match(formatHtmlReport(openLoopSummary()), /HTTP 503: server overloaded/);
});

Deno.test("windows: every window of the run on one axis, levels marked, reported ones filled", () => {
  const s = openLoopSummary();
  const html = formatHtmlReport(s);
  const ids = readCharts(html).map((c) => c.id);
  assert.deepEqual(ids.slice(-3), ["window-throughput", "window-latency", "window-errors"]);
  const count = s.levels.reduce((n, l) => n + l.windows!.length, 0);
  assert.equal(count, 9);
  const tp = chart(html, "window-throughput")!.series[0];
  assert.equal(tp.declaredPoints, count);
  assert.deepEqual(tp.marks.map((m) => m["data-x"]), ["1", "2", "3", "4", "5", "6", "7", "8", "9"]);
  const windows = s.levels.flatMap((l) => l.windows!);
  // Six significant digits, as every data-y.
  const shown = (v: number) => Number(v.toPrecision(6));
  assert.deepEqual(
    tp.marks.map((m) => Number(m["data-y"])),
    windows.map((w) => shown(w.throughput)),
  );
  // The first two windows of rate 200 and the first of rate 400 are not reported: rings.
  assert.deepEqual(tp.marks.map((m) => m.fill === "#ffffff"), [
    ...[true, true, false, false, false],
    ...[true, false, false, false],
  ]);
  const lat = chart(html, "window-latency")!.series[0];
  assert.deepEqual(
    lat.marks.map((m) => Number(m["data-y"])),
    windows.map((w) => shown(w.avgLatencyUs)),
  );
  const err = chart(html, "window-errors")!.series[0];
  assert.deepEqual(err.marks.map((m) => m["data-y"]), [
    "0",
    "0",
    "0",
    "0",
    "0",
    "0",
    "3",
    "2",
    "2",
  ]);
  // A dashed line and a label where each level starts, a band over each level's reported windows.
  assert.equal([...html.matchAll(/class="marker-label">(200|400) req\/s</g)].length, 3 * 2);
  assert.equal([...html.matchAll(/class="band"/g)].length, 3 * 2);
});

Deno.test("units follow the data: ms once latencies reach 10 ms, in charts and the table", () => {
  const levels = plainLevels();
  for (const l of levels) {
    const c = l.client;
    c.avgLatencyNs *= 100;
    c.percentilesNs = new Map([...c.percentilesNs].map(([p, ns]) => [p, ns * 100]));
  }
  const html = formatHtmlReport(buildRunSummary(levels, context({}), FIXED_DATE));
  const p99 = chart(html, "latency-throughput")!.series.find((x) => x.id === "p99")!;
  assert.deepEqual(p99.marks.map((m) => m["data-y"]), ["27.33", "54.73"]);
  assert.match(html, /Latency \(ms\)/);
  assert.match(html, /<th>p99 \(ms\)<\/th>/);
  // The table rounds to four significant digits: 27.33, not 27.330 or 27330.000.
  assert.match(html, /<td>27\.33<\/td>/);
});

Deno.test("settings: readable labels; the run's command, host, CPU and version up top", () => {
  const runInfo = {
    commandLine: "perf_analyzer -m simple --request-rate-range 200:400:200",
    host: "bench-1",
    cpu: "AMD EPYC 7B13 × 2",
    commit: "0123456789ab",
  };
  const ctx = context({}, { runInfo });
  const html = formatHtmlReport(buildRunSummary(plainLevels(), ctx, FIXED_DATE));
  assert.match(html, /<th class="text">Batch size<\/th><td class="text">1</);
  assert.match(html, /<th class="text">Measurement interval \(ms\)<\/th><td class="text">1000</);
  assert.match(
    html,
    /<th class="text">Command<\/th><td class="text"><code>perf_analyzer -m simple --request-rate-range 200:400:200<\/code>/,
  );
  assert.match(html, /<th class="text">Host<\/th><td class="text">bench-1</);
  assert.match(html, /<th class="text">CPU<\/th><td class="text">AMD EPYC 7B13 × 2</);
  assert.match(
    html,
    /<th class="text">Version<\/th><td class="text">perf_analyzer [^<]*, commit 0123456789ab</,
  );
  // Shown once: in the header, not again in the settings table.
  assert.equal(html.match(/bench-1/g)!.length, 1);
  assert.doesNotMatch(html, /batchSize|measurementIntervalMs/);
});

Deno.test("setting labels and level colours", () => {
  assert.equal(settingLabel("batchSize"), "Batch size");
  assert.equal(settingLabel("latencyThresholdMs"), "Latency threshold (ms)");
  assert.equal(settingLabel("stabilityPercent"), "Stability threshold (%)");
  assert.equal(settingLabel("url"), "URL");
  assert.equal(settingLabel("requestRateRange"), "Request rate range");
  assert.deepEqual(levelColors(2), ["#0072b2", "#e69f00"]);
  // More levels than the palette: a ramp from dark blue to orange, every colour distinct.
  const ramp = levelColors(9);
  assert.equal(ramp[0], "#0b3c8c");
  assert.equal(ramp[8], "#e67e00");
  assert.equal(new Set(ramp).size, 9);
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
