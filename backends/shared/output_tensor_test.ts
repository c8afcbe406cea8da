import assert from "node:assert/strict";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import {
  captureInto,
  checkedOutput,
  outputDataType,
  OutputDecodeError,
  outputFromValues,
  outputShape,
} from "./output_tensor.ts";

Deno.test("a tensor passes when its bytes are exactly what the shape needs", () => {
  const bytes = new Uint8Array(24);
  assert.deepEqual(checkedOutput("O", "FP16", [3, 4], bytes), {
    name: "O",
    datatype: "FP16",
    shape: [3, 4],
    bytes,
  });
  const text = encodeStringElements(["a", "bc"]);
  assert.equal(checkedOutput("T", "BYTES", [1, 2], text).bytes, text, "kept, not copied");
  assert.equal(checkedOutput("Z", "INT64", [0, 8], new Uint8Array(0)).shape.length, 2);
});

Deno.test("wrong sizes, framing, datatypes, shapes and values name the output", () => {
  const fails = (f: () => unknown, text: string) =>
    assert.throws(f, (e: Error) => e instanceof OutputDecodeError && e.message === text);
  fails(
    () => checkedOutput("O", "INT64", [2], new Uint8Array(8)),
    "output 'O': 8 bytes of INT64 data for shape [2], which needs 16",
  );
  fails(
    () => checkedOutput("T", "BYTES", [3], encodeStringElements(["a"])),
    "output 'T': 1 BYTES elements for shape [3], which needs 3",
  );
  fails(
    () => checkedOutput("T", "BYTES", [1], Uint8Array.of(1, 0)),
    "output 'T': BYTES tensor data ends inside a length prefix at byte 0",
  );
  fails(
    () => outputDataType("O", "FLOAT"),
    "output 'O': datatype 'FLOAT' is not a KServe v2 datatype",
  );
  fails(
    () => outputDataType("O", undefined),
    "output 'O': datatype missing is not a KServe v2 datatype",
  );
  fails(
    () => outputShape("O", [1, 2.5]),
    "output 'O': shape is not a list of non-negative integers",
  );
  fails(() => outputShape("O", "1,2"), "output 'O': shape is not a list of non-negative integers");
  fails(
    () => outputFromValues("O", "UINT8", [256]),
    "output 'O': invalid UINT8 value in tensor data: 256",
  );
  assert.deepEqual(outputShape("O", [0, 3]), [0, 3]);
  assert.deepEqual([...outputFromValues("O", "INT16", [[-1], [2]])], [255, 255, 2, 0]);
});

Deno.test("captureInto fails the record on decode errors only, dropping partial outputs", () => {
  const rec = new RequestRecord();
  captureInto(rec, 9, (out) => {
    out.push(checkedOutput("A", "UINT8", [1], Uint8Array.of(1)));
    throw new OutputDecodeError("output 'B': broken");
  });
  assert.equal(rec.outcome, "protocol_error");
  assert.equal(rec.error, "output 'B': broken");
  assert.equal(rec.endNs, 9);
  assert.deepEqual(rec.outputs, []);
  assert.throws(() =>
    captureInto(new RequestRecord(), 0, () => {
      throw new TypeError("a bug, not a bad response");
    }), TypeError);
});
