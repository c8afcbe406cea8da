import assert from "node:assert/strict";
import type { ModelInfo } from "../backend.ts";
import { modelInfo } from "../testing/model_info.ts";
import { denoFs, loadDataSet, MAX_INPUT_FILE_BYTES } from "./load.ts";
import type { DataFs } from "./set.ts";
import { RunError } from "../errors.ts";
import { memoryFs, utf8 } from "../testing/memory_fs.ts";

const MODEL: ModelInfo = modelInfo({
  name: "m",
  inputs: [{ name: "A", datatype: "INT32", shape: [-1] }],
  outputs: [{ name: "OUT", datatype: "INT32", shape: [2] }],
});

const int32 = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const json = (doc: unknown) => utf8(JSON.stringify(doc));
const NO_SHAPES = { shapes: new Map<string, number[]>() };

async function failure(sources: string[], fs: DataFs): Promise<string> {
  try {
    await loadDataSet(sources, MODEL, NO_SHAPES, fs);
  } catch (e) {
    assert.ok(e instanceof RunError, String(e));
    return e.message;
  }
  throw new Error("expected an error");
}

const FILES = {
  "a.json": json({ data: [{ A: [1] }], validation_data: [{ OUT: [1, 1] }] }),
  "b.json": json({ data: [[{ A: [2] }, { A: [3, 4] }], [{ A: [5] }]] }),
  "d/A": int32(7, 8),
};

Deno.test("several JSON files append their streams in order", async () => {
  const data = await loadDataSet(["a.json", "b.json", "a.json"], MODEL, NO_SHAPES, memoryFs(FILES));
  assert.deepEqual(data.streams.map((s) => s.length), [1, 2, 1, 1]);
  const first = data.streams.map((s) => [...s[0].inputs.get("A")!.bytes]);
  assert.deepEqual(first, [[...int32(1)], [...int32(2)], [...int32(5)], [...int32(1)]]);
  assert.deepEqual([...data.streams[1][1].inputs.get("A")!.bytes], [...int32(3, 4)]);
  assert.equal(data.validation, true, "one file with validation_data is enough");
  const none = await loadDataSet(["b.json"], MODEL, NO_SHAPES, memoryFs(FILES));
  assert.equal(none.validation, false);
  // --shape reaches the parser: A:2 makes a one-element entry too short.
  await assert.rejects(
    loadDataSet(["a.json"], MODEL, { shapes: new Map([["A", [2]]]) }, memoryFs(FILES)),
    new RunError(
      "a.json: entry 0, tensor 'A': mismatch in the data provided for A. Expected: 8 bytes, " +
        "Got: 4 bytes (1 elements given, shape [2] holds 2)",
    ),
  );
});

Deno.test("a directory alone is one stream of one step", async () => {
  const data = await loadDataSet(["d"], MODEL, NO_SHAPES, memoryFs(FILES));
  assert.deepEqual(data.streams.length, 1);
  assert.deepEqual([...data.streams[0][0].inputs.get("A")!.bytes], [...int32(7, 8)]);
});

Deno.test("missing paths, mixed sources, binary files: one line naming the path", async () => {
  const fs = memoryFs({ ...FILES, "bin.json": Uint8Array.of(0xff, 0xfe, 0x00) });
  assert.equal(
    await failure(["a.json", "nope.json"], fs),
    "--input-data nope.json: no such file or directory",
  );
  assert.equal(
    await failure(["a.json", "d"], fs),
    "--input-data d: a directory cannot be combined with other --input-data sources",
  );
  assert.equal(
    await failure(["bin.json"], fs),
    "--input-data bin.json: not UTF-8 text, so not a JSON data file",
  );
  assert.equal(await failure([], fs), "--input-data: no file or directory given");
  const broken = memoryFs({ "x.json": utf8('{"data": [{"A": [1]}') });
  assert.equal(
    await failure(["x.json"], broken),
    "x.json: invalid JSON at line 1, column 21: expected ',' or ']' after an array element",
  );
});

Deno.test("denoFs reads real files, tells directories from files and absent paths", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeFile(`${dir}/A`, int32(5, 6));
    await Deno.writeTextFile(`${dir}/in.json`, '\ufeff{"data": [{"A": [4]}]}');
    assert.equal(await denoFs.isDirectory(dir), true);
    assert.equal(await denoFs.isDirectory(`${dir}/A`), false);
    assert.equal(await denoFs.isDirectory(`${dir}/none`), undefined);
    assert.deepEqual([...await denoFs.readFile(`${dir}/A`)], [...int32(5, 6)]);
    const fromDir = await loadDataSet([dir], MODEL, NO_SHAPES, denoFs);
    assert.deepEqual(fromDir.streams[0][0].inputs.get("A")!.shape, [2]);
    const fromJson = await loadDataSet([`${dir}/in.json`], MODEL, NO_SHAPES, denoFs);
    assert.deepEqual(
      [...fromJson.streams[0][0].inputs.get("A")!.bytes],
      [...int32(4)],
      "BOM skipped",
    );
    await assert.rejects(
      denoFs.readFile(`${dir}/none`),
      (e) => e instanceof RunError && e.message.startsWith(`--input-data ${dir}/none: `),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("denoFs reads regular files only, up to the size limit", async () => {
  await assert.rejects(
    denoFs.readFile("/dev/zero"),
    new RunError("--input-data /dev/zero: a character device; input files must be regular files"),
  );
  const dir = await Deno.makeTempDir();
  try {
    // Sparse: the size is on record, no byte is written.
    await Deno.writeFile(`${dir}/big`, new Uint8Array());
    await Deno.truncate(`${dir}/big`, MAX_INPUT_FILE_BYTES + 1);
    await assert.rejects(
      denoFs.readFile(`${dir}/big`),
      new RunError(
        `--input-data ${dir}/big: ${MAX_INPUT_FILE_BYTES + 1} bytes, over the limit of ` +
          `${MAX_INPUT_FILE_BYTES} bytes`,
      ),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a JSON file too long for one string says so, not that it is not UTF-8", async () => {
  const huge = new Uint8Array(2 ** 29).fill(0x20);
  const message = await failure(["huge.json"], memoryFs({ "huge.json": huge }));
  assert.equal(
    message,
    `--input-data huge.json: ${2 ** 29} bytes, too large for one JSON text (at most ` +
      `${2 ** 29 - 24} characters); split it into several --input-data files`,
  );
});
