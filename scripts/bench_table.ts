/**
 * Plain-text tables for the bench's printed sections, and the merge that lets a partial bench
 * run (--only-grpc, --only-capi) replace one section of an existing results.json.
 */

/** Columns padded to their widest cell, two spaces apart: the first `left` columns are
 * left-aligned (labels), the rest right-aligned (numbers). */
export function alignColumns(cells: string[][], left = 1): string[] {
  const widths = cells[0].map((_, i) => Math.max(...cells.map((row) => row[i].length)));
  return cells.map((row) =>
    row.map((c, i) => (i < left ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ")
  );
}

/**
 * The text of results.json after a partial run: `existing` (the full run's file, or null when
 * there is none) with only `key` added or replaced. A file that is not a JSON object is refused
 * rather than overwritten.
 */
export function mergeSection(existing: string | null, key: string, section: unknown): string {
  let base: Record<string, unknown> = {};
  if (existing !== null) {
    const parsed: unknown = JSON.parse(existing);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new Error("the existing results file is not a JSON object; not overwriting it");
    }
    base = parsed as Record<string, unknown>;
  }
  return JSON.stringify({ ...base, [key]: section }, null, 2) + "\n";
}
