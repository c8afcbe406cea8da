import assert from "node:assert/strict";
import { alignColumns, mergeSection } from "./bench_table.ts";

Deno.test("alignColumns: labels left, numbers right, two spaces apart", () => {
  const lines = alignColumns([["mode", "conc", "infer/s"], ["sync", "1", "54000"], [
    "async",
    "8",
    "9",
  ]], 2);
  assert.deepEqual(lines, [
    "mode   conc  infer/s",
    "sync   1       54000",
    "async  8           9",
  ]);
});

Deno.test("mergeSection: keeps every other key of the full run, replaces only the section", () => {
  const full = { date: "full", rows: [{ tool: "wrk" }], valid: true, grpc: { old: 1 } };
  const text = mergeSection(JSON.stringify(full), "grpc", { rows: [{ rate: 25_192 }] });
  assert.ok(text.endsWith("}\n"));
  const merged = JSON.parse(text);
  assert.deepEqual(Object.keys(merged), ["date", "rows", "valid", "grpc"]);
  assert.equal(merged.date, "full");
  assert.deepEqual(merged.rows, [{ tool: "wrk" }]);
  assert.deepEqual(merged.grpc, { rows: [{ rate: 25_192 }] });
  const added = JSON.parse(mergeSection(text, "capi", { rows: [] }));
  assert.deepEqual(Object.keys(added), ["date", "rows", "valid", "grpc", "capi"]);
});

Deno.test("mergeSection: no existing file gives just the key; a non-object is refused", () => {
  assert.deepEqual(Object.keys(JSON.parse(mergeSection(null, "capi", {}))), ["capi"]);
  assert.throws(() => mergeSection("[1, 2]", "capi", {}), /not a JSON object/);
  assert.throws(() => mergeSection("{ broken", "capi", {}), SyntaxError);
});
