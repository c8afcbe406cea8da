import assert from "node:assert/strict";
import type { ModelInfo } from "./backend.ts";
import { batchRequests, stepRequest } from "./data_batch.ts";
import { denoFs, loadDataSet } from "./data_load.ts";
import type { DataFs } from "./data_set.ts";
import { RunError } from "./errors.ts";

const MODEL: ModelInfo = {
  name: "m",
  version: "1",
  platform: "",
  inputs: [
    { name: "A", datatype: "INT32", shape: [2] },
    { name: "S", datatype: "BYTES", shape: [2] },
  ],
  outputs: [{ name: "OUT", datatype: "INT32", shape: [2] }],
  maxBatchSize: 8,
  sequence: false,
  decoupled: false,
  dynamicBatching: false,
  responseCache: false,
  notes: [],
};

const int32 = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const text = (s: string) => new TextEncoder().encode(s);

/** An in-memory filesystem: paths ending in "/" are directories. */
function memoryFs(files: Record<string, Uint8Array>): DataFs {
  return {
    readFile: (p) => Promise.resolve(files[p]),
    isDirectory: (p) =>
      Promise.resolve(
        p in files ? false : Object.keys(files).some((f) => f.startsWith(p + "/")) || undefined,
      ),
  };
}

const json = (doc: unknown) => text(JSON.stringify(doc));

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof RunError, String(e));
    return e.message;
  }
  throw new Error("expected an error");
}

Deno.test("a directory: raw bytes per input, lines for BYTES, output files as validation", async () => {
  const fs = memoryFs({
    "d/A": int32(1, 2),
    "d/S": text("one\ntwo\n"),
    "d/OUT": int32(3, 4),
  });
  const data = await loadDataSet(["d"], MODEL, { shapes: new Map() }, fs);
  const step = data.streams[0][0];
  assert.deepEqual([...step.inputs.get("A")!.bytes], [...int32(1, 2)]);
  assert.deepEqual(step.inputs.get("S")!.shape, [2]);
  assert.deepEqual([...step.expected.get("OUT")!.bytes], [...int32(3, 4)]);
  assert.equal(data.validation, true);
  assert.equal(
    await failure(
      loadDataSet(["d"], MODEL, { shapes: new Map() }, memoryFs({ "d/A": int32(1, 2) })),
    ),
    "--input-data d: no file d/S for input S (a directory needs one file per input, named like it)",
  );
  assert.equal(
    await failure(
      loadDataSet(
        ["d"],
        MODEL,
        { shapes: new Map() },
        memoryFs({ "d/A": int32(1), "d/S": text("a\nb") }),
      ),
    ),
    "d/A: mismatch in the data provided for A. Expected: 8 bytes, Got: 4 bytes",
  );
});

Deno.test("several JSON files append streams; missing paths and mixed sources are errors", async () => {
  const entry = { A: [1, 2], S: ["a", "b"] };
  const fs = memoryFs({
    "a.json": json({ data: [entry] }),
    "b.json": json({ data: [[entry, entry]] }),
    "d/A": int32(1, 2),
  });
  const data = await loadDataSet(["a.json", "b.json"], MODEL, { shapes: new Map() }, fs);
  assert.deepEqual(data.streams.map((s) => s.length), [1, 2]);
  assert.equal(
    await failure(loadDataSet(["nope.json"], MODEL, { shapes: new Map() }, fs)),
    "--input-data nope.json: no such file or directory",
  );
  assert.equal(
    await failure(loadDataSet(["a.json", "d"], MODEL, { shapes: new Map() }, fs)),
    "--input-data: a directory cannot be combined with other --input-data sources",
  );
});

Deno.test("denoFs reads a real file and tells directories from files and absent paths", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/A`, int32(5));
    assert.equal(await denoFs.isDirectory(dir), true);
    assert.equal(await denoFs.isDirectory(`${dir}/A`), false);
    assert.equal(await denoFs.isDirectory(`${dir}/none`), undefined);
    assert.deepEqual([...await denoFs.readFile(`${dir}/A`)], [...int32(5)]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("-b 2 over 3 steps: 3 distinct requests of consecutive steps, wrapping", async () => {
  const steps = [1, 2, 3].map((v) => ({ A: [v, v], S: ["s", "t"] }));
  const fs = memoryFs({
    "a.json": json({
      data: steps.map(({ A, S }) => ({ A, S })),
      validation_data: steps.map(({ A }) => ({ OUT: A })),
    }),
  });
  const data = await loadDataSet(["a.json"], MODEL, { shapes: new Map() }, fs);
  const requests = batchRequests(MODEL, data, 2, "1");
  assert.equal(requests.length, 3);
  const firstValues = requests.map((
    r,
  ) => [...new Int32Array(r.spec.inputs[0].bytes.slice().buffer)]);
  assert.deepEqual(firstValues, [[1, 1, 2, 2], [3, 3, 1, 1], [2, 2, 3, 3]]);
  assert.deepEqual(requests[0].spec.inputs[0].shape, [2, 2]);
  assert.deepEqual(requests[0].spec.inputs[1].shape, [2, 2]);
  assert.deepEqual([...requests[1].expected.get("OUT")!], [...int32(3, 3, 1, 1)]);
  assert.equal(batchRequests(MODEL, data, 3, "1").length, 1);
  const one = stepRequest(MODEL, data.streams[0][0], "1");
  assert.deepEqual(one.inputs[0].shape, [1, 2]);
  assert.equal(
    one.inputs[0].bytes,
    data.streams[0][0].inputs.get("A")!.bytes,
    "shared, not copied",
  );
  assert.throws(() => batchRequests(MODEL, data, 9, "1"), /expecting batch size <= 8/);
});

Deno.test("steps of different shapes cannot share a batch", async () => {
  const model: ModelInfo = { ...MODEL, inputs: [{ name: "V", datatype: "INT32", shape: [-1] }] };
  const fs = memoryFs({ "a.json": json({ data: [{ V: [1] }, { V: [1, 2] }] }) });
  const data = await loadDataSet(["a.json"], model, { shapes: new Map() }, fs);
  assert.throws(
    () => batchRequests(model, data, 2, ""),
    new RunError(
      "can not batch tensors with different shapes together: input V has shape [1] in step 0 " +
        "and [2] in step 1",
    ),
  );
});
