import assert from "node:assert/strict";
import { barChart, lineChart } from "./svg_chart.ts";
import { escapeXml, niceTicks, numberText, PLOT } from "./svg_frame.ts";
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
  const svg = lineChart({ id: "t", title: "T <1>", xLabel: "x", yLabel: "y" }, [
    { id: "a", label: "A", points: [{ x: 0, y: 0 }, { x: 5, y: 10 }] },
    { id: "b", label: "B", points: [{ x: 10, y: 5 }, { x: 2.5, y: 2 }] },
  ], ["c=1", "c=<2>"]);
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
  // Labels go above the top series' points; the one at the right edge ends there.
  assert.ok(
    svg.includes(
      `y="${((PLOT.top + PLOT.bottom) / 2 - 8).toFixed(1)}" text-anchor="end" ` +
        `class="point-label">c=1</text>`,
    ),
    svg,
  );
  assert.ok(svg.includes('text-anchor="middle" class="point-label">c=&lt;2&gt;</text>'));
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
