/**
 * Reads charts back out of report HTML for tests: each `<svg data-chart>` with its series
 * (`<g data-series>`) and the numbers on each mark, by plain text matching (the charts are
 * generated with one fixed attribute order, so no XML parser is needed).
 */
export interface ReadSeries {
  id: string;
  declaredPoints: number;
  /** data-x/data-y of line points, or data-category/data-value of bars. */
  marks: Record<string, string>[];
}

export interface ReadChart {
  id: string;
  series: ReadSeries[];
}

function attributes(tag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of tag.matchAll(/([a-z-]+)="([^"]*)"/g)) out[m[1]] = m[2];
  return out;
}

export function readCharts(html: string): ReadChart[] {
  const charts: ReadChart[] = [];
  for (const svg of html.matchAll(/<svg [^>]*data-chart="([^"]+)"[^>]*>([\s\S]*?)<\/svg>/g)) {
    const series: ReadSeries[] = [];
    for (const g of svg[2].matchAll(/<g class="series" ([^>]*)>([\s\S]*?)<\/g>/g)) {
      const a = attributes(g[1]);
      const marks = [...g[2].matchAll(/<(?:circle|rect) ([^>]*)>/g)].map((m) => attributes(m[1]));
      series.push({ id: a["data-series"], declaredPoints: Number(a["data-points"]), marks });
    }
    charts.push({ id: svg[1], series });
  }
  return charts;
}

export function chart(html: string, id: string): ReadChart | undefined {
  return readCharts(html).find((c) => c.id === id);
}
