import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import { getJson, infer, int32Blob, range16 } from "../testing/helpers.ts";

async function post(url: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: "POST",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, json: text === "" ? undefined : JSON.parse(text) };
}

const region = (name: string, size: number, offset = 0) => ({
  parameters: {
    shared_memory_region: name,
    shared_memory_byte_size: size,
    shared_memory_offset: offset,
  },
});

Deno.test("system shm over HTTP: register, infer by region, errors, unregister", async () => {
  const key = `pa_test_${Deno.pid}_server`;
  const path = `/dev/shm/${key}`;
  // INPUT0, INPUT1 (64 bytes each), then OUTPUT0 and OUTPUT1 windows.
  const file = new Uint8Array(256);
  file.set(int32Blob(range16(0)), 0);
  file.set(int32Blob(range16(100)), 64);
  Deno.writeFileSync(path, file);
  const server = await startServer({});
  const base = `http://${server.url}/v2/systemsharedmemory`;
  try {
    assert.equal((await post(`${base}/region/r/register`, { key, byte_size: 256 })).status, 200);
    assert.deepEqual(await post(`${base}/region/r/register`, { key, byte_size: 256 }), {
      status: 400,
      json: { error: "shared memory region 'r' already in manager" },
    });
    assert.deepEqual(await post(`${base}/region/x/register`, { key: "nope", byte_size: 1 }), {
      status: 400,
      json: { error: "Unable to open shared memory region: 'nope'" },
    });
    // Keys are shm object names: nothing outside /dev/shm, no directory, no empty name.
    for (const bad of ["/../etc/passwd", "a/b", "", "/", ".."]) {
      assert.deepEqual(await post(`${base}/region/p/register`, { key: bad, byte_size: 1 }), {
        status: 400,
        json: { error: `Unable to open shared memory region: '${bad}'` },
      });
    }
    assert.deepEqual(await getJson(`${base}/status`), {
      status: 200,
      json: [{ name: "r", key, offset: 0, byte_size: 256 }],
    });
    const body = {
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [1, 16], ...region("r", 64) },
        { name: "INPUT1", datatype: "INT32", shape: [1, 16], ...region("r", 64, 64) },
      ],
      outputs: [{ name: "OUTPUT0", ...region("r", 64, 128) }, {
        name: "OUTPUT1",
        ...region("r", 64, 192),
      }],
    };
    const reply = await infer(server.url, "simple", body);
    assert.equal(reply.status, 200);
    assert.deepEqual(reply.json.outputs, [
      { name: "OUTPUT0", datatype: "INT32", shape: [1, 16] },
      { name: "OUTPUT1", datatype: "INT32", shape: [1, 16] },
    ]);
    const out = new Int32Array(Deno.readFileSync(path).buffer, 128, 32);
    assert.deepEqual([...out.subarray(0, 16)], range16(0).map((v, i) => v + 100 + i));
    assert.deepEqual([...out.subarray(16)], range16(0).map(() => -100));
    const small = { ...body, outputs: [{ name: "OUTPUT0", ...region("r", 32, 128) }] };
    assert.deepEqual((await infer(server.url, "simple", small)).json, {
      error: "shared memory size specified with the request for output 'OUTPUT0' (32 bytes) " +
        "should be at least 64 bytes to hold the results",
    });
    const beyond = { ...body, outputs: [{ name: "OUTPUT0", ...region("r", 64, 224) }] };
    assert.deepEqual((await infer(server.url, "simple", beyond)).json, {
      error: "Invalid offset + byte size for shared memory region: 'r'",
    });
    const both = structuredClone(body);
    Object.assign(both.inputs[0], { data: range16(0) });
    assert.deepEqual((await infer(server.url, "simple", both)).json, {
      error: "Input must set only one of the following fields: 'data', 'binary_data_size' in " +
        "'parameters', 'shared_memory_region' in 'parameters'. But set 'data' " +
        "'shared_memory_region'",
    });
    // Three requests read both inputs; only the first could write its outputs.
    assert.deepEqual(server.shmTraffic(), { regions: 1, inputsRead: 6, outputsWritten: 2 });
    assert.equal((await post(`${base}/unregister`)).status, 200);
    assert.deepEqual((await getJson(`${base}/status`)).json, []);
    assert.deepEqual((await infer(server.url, "simple", body)).json, {
      error: "Unable to find shared memory region: 'r'",
    });
    assert.deepEqual(
      await post(`http://${server.url}/v2/cudasharedmemory/region/c/register`, {}),
      {
        status: 400,
        json: { error: "failed to register CUDA shared memory region: 'c', GPUs not supported" },
      },
    );
  } finally {
    await server.close();
    Deno.removeSync(path);
  }
});

Deno.test("system shm: a symlink in /dev/shm is refused at registration and at every use", async () => {
  const dir = Deno.makeTempDirSync();
  const victim = `${dir}/victim.txt`;
  const secret = new TextEncoder().encode(
    "secret content, never to be read or overwritten ".repeat(4),
  );
  Deno.writeFileSync(victim, secret);
  const key = `pa_test_${Deno.pid}_evil`;
  const path = `/dev/shm/${key}`;
  Deno.symlinkSync(victim, path);
  const server = await startServer({});
  const base = `http://${server.url}/v2/systemsharedmemory`;
  const refused = `Unable to open shared memory region: '${key}': it is a symbolic link, ` +
    "which is refused";
  try {
    assert.deepEqual(await post(`${base}/region/evil/register`, { key, byte_size: 64 }), {
      status: 400,
      json: { error: refused },
    });
    // A region registered while a regular file, then swapped for the link.
    Deno.removeSync(path);
    Deno.writeFileSync(path, new Uint8Array(256));
    assert.equal((await post(`${base}/region/r/register`, { key, byte_size: 256 })).status, 200);
    Deno.removeSync(path);
    Deno.symlinkSync(victim, path);
    const write = {
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [1, 16], data: range16(0) },
        { name: "INPUT1", datatype: "INT32", shape: [1, 16], data: range16(0) },
      ],
      outputs: [{ name: "OUTPUT0", ...region("r", 64) }],
    };
    assert.deepEqual((await infer(server.url, "simple", write)).json, { error: refused });
    const read = {
      inputs: [
        { name: "INPUT0", datatype: "INT32", shape: [1, 16], ...region("r", 64) },
        { name: "INPUT1", datatype: "INT32", shape: [1, 16], data: range16(0) },
      ],
    };
    assert.deepEqual((await infer(server.url, "simple", read)).json, { error: refused });
    assert.deepEqual(Deno.readFileSync(victim), secret);
    assert.deepEqual(server.shmTraffic(), { regions: 1, inputsRead: 0, outputsWritten: 0 });
    // Still answering normal requests.
    assert.equal((await infer(server.url, "simple", { inputs: write.inputs })).status, 200);
  } finally {
    await server.close();
    Deno.removeSync(path);
    Deno.removeSync(dir, { recursive: true });
  }
});
