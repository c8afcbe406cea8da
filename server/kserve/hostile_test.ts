/**
 * Hostile HTTP clients against the reference server: bodies built to cost it quadratic work,
 * unbounded memory or its life. After each, the server must still answer a normal request.
 */
import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import { infer, int32Blob, range16 } from "../testing/helpers.ts";

const SIMPLE = {
  inputs: [
    { name: "INPUT0", datatype: "INT32", shape: [1, 16], data: range16(0) },
    { name: "INPUT1", datatype: "INT32", shape: [1, 16], data: range16(0) },
  ],
};

/** A normal request still gets its right answer. */
async function assertResponsive(url: string): Promise<void> {
  const reply = await infer(url, "simple", SIMPLE);
  assert.equal(reply.status, 200);
  assert.deepEqual(reply.json.outputs, [
    { name: "OUTPUT0", datatype: "INT32", shape: [1, 16], data: range16(0).map((v) => 2 * v) },
    { name: "OUTPUT1", datatype: "INT32", shape: [1, 16], data: range16(0).map(() => 0) },
  ]);
}

Deno.test("hostile HTTP: 100,000 inputs in one body are checked for duplicates in linear time", async () => {
  const server = await startServer({});
  try {
    const n = 100_000;
    const inputs = Array.from({ length: n }, (_, i) => ({
      name: `I${i}`,
      datatype: "INT32",
      shape: [1, 1],
      data: [i],
    }));
    // The repeat comes last, so every name before it was compared (O(n^2) scans took minutes).
    inputs.push({ ...inputs[5] });
    const started = performance.now();
    const reply = await infer(server.url, "simple", { inputs });
    const ms = performance.now() - started;
    assert.equal(reply.status, 400);
    assert.deepEqual(reply.json, { error: "input 'I5' already exists in request" });
    assert.ok(ms < 10_000, `${ms} ms`);
    const outputs = Array.from({ length: n }, (_, i) => ({ name: `O${i}` }));
    outputs.push({ name: "O7" });
    const twice = await infer(server.url, "simple", { ...SIMPLE, outputs });
    assert.deepEqual(twice.json, { error: "output 'O7' already exists in request" });
    await assertResponsive(server.url);
  } finally {
    await server.close();
  }
});
