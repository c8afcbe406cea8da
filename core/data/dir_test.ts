import assert from "node:assert/strict";
import type { ModelInfo } from "../backend.ts";
import { modelInfo } from "../testing/model_info.ts";
import { loadDataDirectory, textLines } from "./dir.ts";
import { RunError } from "../errors.ts";
import { memoryFs, utf8 } from "../testing/memory_fs.ts";

const MODEL: ModelInfo = modelInfo({
  name: "m",
  inputs: [
    { name: "A", datatype: "INT32", shape: [2] },
    { name: "S", datatype: "BYTES", shape: [3] },
    { name: "V", datatype: "FP32", shape: [-1], optional: true },
    { name: "D", datatype: "INT8", shape: [-1, -1], optional: true },
  ],
  outputs: [
    { name: "OUT", datatype: "INT32", shape: [2] },
    { name: "T", datatype: "BYTES", shape: [-1] },
  ],
  maxBatchSize: 4,
});

const int32 = (...v: number[]) => new Uint8Array(Int32Array.from(v).buffer);
const framed = (...s: string[]) =>
  s.flatMap((x) => {
    const b = [...utf8(x)];
    return [b.length, 0, 0, 0, ...b];
  });
const load = (files: Record<string, Uint8Array>, shapes = new Map<string, number[]>()) =>
  loadDataDirectory("d", MODEL, shapes, memoryFs(files));

async function failure(files: Record<string, Uint8Array>, shapes?: Map<string, number[]>) {
  try {
    await load(files, shapes);
  } catch (e) {
    assert.ok(e instanceof RunError, String(e));
    return e.message;
  }
  throw new Error("expected an error");
}

const BASE = { "d/A": int32(1, 2), "d/S": utf8("one\ntwo\n") };

Deno.test("lines as perf_analyzer's getline reads them, as bytes", () => {
  const lines = (s: string) => textLines(utf8(s)).map((b) => new TextDecoder().decode(b));
  assert.deepEqual(lines(""), []);
  assert.deepEqual(lines("a"), ["a"]);
  assert.deepEqual(lines("a\n"), ["a"]);
  assert.deepEqual(lines("a\n\nb\r\n"), ["a", "", "b\r"]);
  assert.deepEqual(lines("\n"), [""]);
});

Deno.test("raw bytes per input, one string per line for BYTES, output files validate", async () => {
  const a = int32(1, 2);
  const data = await load({
    "d/A": a,
    "d/S": utf8("one\n\nthree\n"),
    "d/V": new Uint8Array(Float32Array.of(0.5, 1.5, 2.5).buffer),
    "d/OUT": int32(3, 4),
    "d/T": utf8("x\ny"),
  });
  assert.equal(data.streams.length, 1);
  assert.equal(data.streams[0].length, 1);
  const step = data.streams[0][0];
  assert.equal(step.inputs.get("A")!.bytes, a, "the file's bytes, not a copy");
  assert.deepEqual(step.inputs.get("A")!.shape, [2]);
  assert.deepEqual(step.inputs.get("S"), {
    datatype: "BYTES",
    shape: [3],
    bytes: Uint8Array.from(framed("one", "", "three")),
  });
  assert.deepEqual(step.inputs.get("V")!.shape, [3], "one -1 taken from the file size");
  assert.equal(step.inputs.has("D"), false, "optional inputs may have no file");
  assert.deepEqual([...step.expected.get("OUT")!.bytes], [...int32(3, 4)]);
  assert.deepEqual(step.expected.get("T"), {
    datatype: "BYTES",
    shape: [2],
    bytes: Uint8Array.from(framed("x", "y")),
  });
  assert.equal(data.validation, true);
  const plain = await load({ ...BASE, "d/S": utf8("a\nb\nc") });
  assert.equal(plain.validation, false);
  assert.equal(plain.streams[0][0].expected.size, 0);
  const shaped = await load(
    { ...BASE, "d/S": utf8("a\nb\nc"), "d/D": Uint8Array.of(1, 2, 3, 4, 5, 6) },
    new Map([["D", [2, 3]]]),
  );
  assert.deepEqual(shaped.streams[0][0].inputs.get("D")!.shape, [2, 3]);
});

Deno.test("missing files, wrong sizes and directories are one-line errors naming the path", async () => {
  assert.equal(
    await failure({ "d/A": int32(1, 2) }),
    "--input-data d: no file d/S for input S (a data directory needs one file per input, " +
      "named exactly like it)",
  );
  assert.equal(
    await failure({ ...BASE, "d/A": int32(1) }),
    "d/A, tensor 'A': mismatch in the data provided for A. Expected: 8 bytes, Got: 4 bytes",
  );
  assert.equal(
    await failure(BASE),
    "d/S, tensor 'S': mismatch in the data provided for S. Expected: 3 elements, Got: 2 " +
      "elements (shape [3])",
  );
  assert.equal(
    await failure({ ...BASE, "d/S": utf8("a\nb\nc"), "d/OUT": int32(1, 2, 3) }),
    "d/OUT, tensor 'OUT': mismatch in the data provided for OUT. Expected: 8 bytes, Got: 12 bytes",
  );
  assert.equal(
    await failure({ ...BASE, "d/S": utf8("a\nb\nc"), "d/D": Uint8Array.of(1, 2) }),
    "d/D, tensor 'D': input D contains dynamic shape, provide shapes to send along with the " +
      "request (--shape D:N,N)",
  );
  assert.equal(
    await failure({ "d/A/x": int32(1, 2), "d/S": utf8("a\nb\nc") }),
    "d/A: is a directory; the data of input A must be a file",
  );
});
