import assert from "node:assert/strict";
import { barChart, lineChart } from "./svg_chart.ts";
import {
  escapeXml,
  frameOf,
  HEIGHT,
  LEGEND_ROW,
  legendRows,
  logScale,
  niceTicks,
  nines,
  ninesScale,
  numberText,
  PLOT,
  readableText,
  timeUnit,
  WIDTH,
} from "./svg_frame.ts";
import { readCharts } from "../testing/svg_read.ts";

Deno.test("niceTicks: round steps from 0 that cover the maximum", () => {
  assert.deepEqual(niceTicks(1168), [0, 250, 500, 750, 1000, 1250]);
  assert.deepEqual(niceTicks(10), [0, 2, 4, 6, 8, 10]);
  assert.deepEqual(niceTicks(0.3), [0, 0.1, 0.2, 0.3]);
  // Nothing to plot still gives an axis.
  assert.deepEqual(niceTicks(0), [0, 0.2, 0.4, 0.6, 0.8, 1]);
});

Deno.test("escapeXml and numberText", () => {
  assert.equal(escapeXml(`<a href="x">&'`), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
  assert.equal(numberText(0.1 + 0.2), "0.3");
  assert.equal(numberText(5733.3412), "5733.34");
});

Deno.test("line chart: one group per series, one point per value, mapped onto the axes", () => {
  const svg = lineChart({
    id: "t",
    title: "T <1>",
    xLabel: "x",
    yLabel: "y",
    series: [
      { id: "a", label: "A", points: [{ x: 0, y: 0 }, { x: 5, y: 10 }] },
      { id: "b", label: "B", points: [{ x: 10, y: 5 }, { x: 2.5, y: 2 }] },
    ],
    pointLabels: ["c=1", "c=<2>"],
  });
  assert.ok(svg.includes("<title>T &lt;1&gt;</title>"));
  const [c] = readCharts(svg);
  assert.deepEqual(c.series.map((s) => [s.id, s.declaredPoints, s.marks.length]), [
    ["a", 2, 2],
    ["b", 2, 2],
  ]);
  // Axes run 0..10 on both sides: (0,0) is the plot's bottom-left, (10,5) right, mid-height.
  const [origin] = c.series[0].marks;
  assert.deepEqual([origin.cx, origin.cy], [PLOT.left.toFixed(1), PLOT.bottom.toFixed(1)]);
  const far = c.series[1].marks[0];
  assert.equal(far.cx, PLOT.right.toFixed(1));
  assert.equal(Number(far.cy), (PLOT.top + PLOT.bottom) / 2);
  assert.deepEqual([far["data-x"], far["data-y"]], ["10", "5"]);
  // A label ends above and left of its point, clear of the lines into and out of it; with no
  // room on the left it starts below and right. Both carry a white halo.
  const mid = (PLOT.top + PLOT.bottom) / 2;
  assert.ok(
    svg.includes(
      `<text x="${(PLOT.right - 5).toFixed(1)}" y="${(mid - 8).toFixed(1)}" text-anchor="end" ` +
        `class="point-label" paint-order="stroke" stroke="#ffffff" stroke-width="3">c=1</text>`,
    ),
    svg,
  );
  assert.match(svg, /text-anchor="end" class="point-label"[^>]*>c=&lt;2&gt;<\/text>/);
});

Deno.test("line chart: log y, hollow points, broken segments, markers and bands", () => {
  const svg = lineChart({
    id: "w",
    title: "W",
    xLabel: "x",
    yLabel: "y",
    y: "log",
    width: 1136,
    markers: [{ x: 0.5, label: "c=1" }, { x: 0.52, label: "c=2" }, { x: 2.5, label: "c=3" }],
    bands: [{ from: 1.5, to: 2.5 }],
    series: [{
      id: "s",
      label: "S",
      points: [
        { x: 1, y: 10, hollow: true },
        { x: 2, y: 1000 },
        { x: 3, y: 100, newSegment: true },
      ],
    }],
  });
  const [c] = readCharts(svg);
  const ys = c.series[0].marks.map((m) => Number(m.cy));
  // Decades are equal steps: 10 → 100 → 1000 on a 10..1000 axis.
  assert.equal(ys[0], PLOT.bottom);
  assert.equal(ys[1], PLOT.top);
  assert.equal(ys[2], (PLOT.top + PLOT.bottom) / 2);
  assert.deepEqual(c.series[0].marks.map((m) => m.fill), ["#ffffff", "#0072b2", "#0072b2"]);
  // Two polylines: the third point starts a new segment.
  assert.equal(svg.match(/<polyline/g)!.length, 2);
  assert.match(svg, /width="1136"/);
  // Three marker lines; the second label would run into the first, so it is left out.
  assert.equal(svg.match(/class="marker"/g)!.length, 3);
  assert.deepEqual([...svg.matchAll(/class="marker-label">([^<]*)</g)].map((m) => m[1]), [
    "c=1",
    "c=3",
  ]);
  assert.equal(svg.match(/class="band"/g)!.length, 1);
});

Deno.test("scales: log decades with 2 and 5 between when narrow, nines for percentiles", () => {
  assert.deepEqual(logScale([3, 90]).ticks.map((t) => t.value), [1, 2, 5, 10, 20, 50, 100]);
  assert.deepEqual(logScale([2, 240_000]).ticks.map((t) => t.value), [
    1,
    10,
    100,
    1000,
    10000,
    100000,
    1000000,
  ]);
  assert.equal(logScale([10, 1000]).at(100), 0.5);
  assert.equal(logScale([10, 1000]).at(0), 0);
  assert.deepEqual([90, 99, 99.9, 100].map((p) => Number(nines(p).toFixed(9))), [1, 2, 3, 5]);
  assert.ok(Math.abs(nines(50) - Math.log10(2)) < 1e-12);
  assert.deepEqual(ninesScale().ticks.map((t) => t.text), [
    "0",
    "50",
    "90",
    "99",
    "99.9",
    "99.99",
    "100",
  ]);
});

Deno.test("units and readable numbers", () => {
  assert.deepEqual(timeUnit(9_999), { name: "µs", perUs: 1 });
  assert.deepEqual(timeUnit(10_000), { name: "ms", perUs: 1000 });
  assert.deepEqual(timeUnit(12_000_000), { name: "s", perUs: 1_000_000 });
  assert.equal(readableText(12345.678), "12346");
  assert.equal(readableText(273.345), "273.3");
  assert.equal(readableText(27.3312), "27.33");
  assert.equal(readableText(1.23456), "1.235");
  assert.equal(readableText(0.0123456), "0.0123");
  assert.equal(readableText(5), "5");
});

Deno.test("legend: wraps into rows that make the chart taller", () => {
  const long = Array.from({ length: 6 }, (_, i) => ({ id: `s${i}`, label: "x".repeat(30) }));
  assert.equal(legendRows(long.slice(0, 2)), 1);
  assert.equal(legendRows(long), 3);
  assert.equal(frameOf(WIDTH, 3).height, HEIGHT + 2 * LEGEND_ROW);
  const svg = lineChart({
    id: "l",
    title: "L",
    xLabel: "x",
    yLabel: "y",
    series: long.map((s) => ({ ...s, points: [{ x: 1, y: 1 }] })),
  });
  assert.match(svg, new RegExp(`height="${HEIGHT + 2 * LEGEND_ROW}"`));
});

Deno.test("stacked bars: segments sit on each other and the tallest stack sets the axis", () => {
  const svg = barChart({
    id: "s",
    title: "S",
    xLabel: "x",
    yLabel: "y",
    categories: ["1", "2"],
    series: [{ id: "q", label: "q", values: [2, 4] }, { id: "c", label: "c", values: [3, 6] }],
    stacked: true,
  });
  const [c] = readCharts(svg);
  const [q2, c2] = [c.series[0].marks[1], c.series[1].marks[1]];
  // Total 10 on a 0..10 axis: the second stack reaches the top of the plot.
  assert.equal(Number(c2.y), PLOT.top);
  assert.equal(Number(c2.y) + Number(c2.height), Number(q2.y));
  assert.equal(Number(q2.y) + Number(q2.height), PLOT.bottom);
  assert.deepEqual(c.series.map((s) => s.marks.map((m) => m["data-value"])), [
    ["2", "4"],
    ["3", "6"],
  ]);
});

Deno.test("line chart: crowded point labels are left out, bands stay inside the plot", () => {
  const svg = lineChart({
    id: "c",
    title: "C",
    xLabel: "x",
    yLabel: "y",
    bands: [{ from: 9.5, to: 10.5 }],
    series: [{
      id: "s",
      label: "S",
      points: [{ x: 2, y: 1 }, { x: 9.9, y: 9.8 }, { x: 10, y: 10 }, { x: 9.95, y: 5 }],
    }],
    pointLabels: ["c=1", "c=2", "c=3", "c=4"],
  });
  // c=3 would sit on c=2; c=4 is lower down, clear of both.
  assert.deepEqual([...svg.matchAll(/class="point-label"[^>]*>([^<]*)</g)].map((m) => m[1]), [
    "c=1",
    "c=2",
    "c=4",
  ]);
  const band = svg.match(/<rect x="([\d.]+)" [^>]*width="([\d.]+)"[^>]*class="band"/)!;
  assert.equal(Number(band[1]) + Number(band[2]), PLOT.right);
});
