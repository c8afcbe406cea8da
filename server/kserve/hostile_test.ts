/**
 * Hostile HTTP clients against the reference server: bodies built to cost it quadratic work,
 * unbounded memory or its life. After each, the server must still answer a normal request.
 */
import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import { infer, range16 } from "../testing/helpers.ts";
import { gzipBomb, rssMib } from "../testing/hostile.ts";

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

const LIMIT = 1 << 20;

async function post(url: string, init: RequestInit): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: "POST", ...init });
  return { status: res.status, json: await res.json() };
}

Deno.test("hostile HTTP: bodies above maxBodyBytes get 413, announced or chunked", async () => {
  const server = await startServer({ maxBodyBytes: LIMIT });
  const url = `http://${server.url}/v2/models/simple/infer`;
  try {
    const announced = await post(url, { body: new Uint8Array(LIMIT + 1) });
    assert.deepEqual(announced, {
      status: 413,
      json: { error: `request body is more than the ${LIMIT} bytes accepted` },
    });
    // No Content-Length: the body streams in 64 KiB chunks until the server has seen enough.
    let sent = 0;
    const chunked = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent > 4 * LIMIT) return controller.close();
        sent += 1 << 16;
        controller.enqueue(new Uint8Array(1 << 16));
      },
    });
    assert.deepEqual(await post(url, { body: chunked }), {
      status: 413,
      json: { error: `request body is more than the ${LIMIT} bytes accepted` },
    });
    // The same limit on the other routes that read a body.
    const shm = `http://${server.url}/v2/systemsharedmemory/region/r/register`;
    assert.equal((await post(shm, { body: new Uint8Array(LIMIT + 1) })).status, 413);
    const tf = `http://${server.url}/v1/models/simple:predict`;
    assert.equal((await post(tf, { body: new Uint8Array(LIMIT + 1) })).status, 413);
    await assertResponsive(server.url);
  } finally {
    await server.close();
  }
});

Deno.test("hostile HTTP: a gzip bomb stops at maxBodyBytes inflated, memory stays bounded", async () => {
  const bomb = await gzipBomb(512);
  const server = await startServer({ maxBodyBytes: LIMIT });
  try {
    const before = rssMib();
    const reply = await post(`http://${server.url}/v2/models/simple/infer`, {
      body: bomb,
      headers: { "content-encoding": "gzip" },
    });
    assert.deepEqual(reply, {
      status: 413,
      json: { error: `request body inflates to more than the ${LIMIT} bytes accepted` },
    });
    // Inflating it whole took 512 MiB more.
    const grown = rssMib() - before;
    assert.ok(grown < 200, `RSS grew ${grown} MiB`);
    await assertResponsive(server.url);
  } finally {
    await server.close();
  }
});
