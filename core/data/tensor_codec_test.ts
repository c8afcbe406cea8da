import assert from "node:assert/strict";
import { RunError } from "../errors.ts";
import { numberToHalf } from "../../wire/kserve/half_float.ts";
import { tensorFromJson, tensorJsonText, tensorToJson } from "./tensor_codec.ts";

Deno.test("INT32 and UINT16 encode little-endian and decode back", () => {
  const bytes = tensorFromJson("INT32", [[1, -2], [0x01020304, 0]]);
  assert.deepEqual([...bytes], [1, 0, 0, 0, 0xfe, 0xff, 0xff, 0xff, 4, 3, 2, 1, 0, 0, 0, 0]);
  assert.deepEqual(tensorToJson("INT32", bytes), [1, -2, 0x01020304, 0]);
  assert.deepEqual([...tensorFromJson("UINT16", [258])], [2, 1]);
});

Deno.test("BYTES elements are 4-byte LE length + payload", () => {
  const bytes = tensorFromJson("BYTES", ["ab", ""]);
  assert.deepEqual([...bytes], [2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0]);
  assert.deepEqual(tensorToJson("BYTES", bytes), ["ab", ""]);
  assert.equal(tensorJsonText("BYTES", bytes), '["ab",""]');
  assert.throws(() => tensorToJson("BYTES", bytes.subarray(0, 5)), RunError);
});

Deno.test("INT64/UINT64 keep full precision through bigint", () => {
  const big = 2n ** 63n - 1n;
  const bytes = tensorFromJson("INT64", [big, -1, "42"]);
  assert.deepEqual(tensorToJson("INT64", bytes), [big, -1n, 42n]);
  assert.equal(tensorJsonText("INT64", bytes), "[9223372036854775807,-1,42]");
  assert.equal(
    tensorJsonText("UINT64", tensorFromJson("UINT64", [2n ** 64n - 1n])),
    "[18446744073709551615]",
  );
  assert.throws(() => tensorFromJson("UINT64", [-1]), RunError);
});

Deno.test("BOOL is one byte 0/1 and JSON true/false", () => {
  const bytes = tensorFromJson("BOOL", [true, false, 1]);
  assert.deepEqual([...bytes], [1, 0, 1]);
  assert.equal(tensorJsonText("BOOL", bytes), "[true,false,true]");
});

Deno.test("FP32 JSON text is the exact float value; FP16 has no JSON form", () => {
  const bytes = tensorFromJson("FP32", [0.5, 0.1]);
  assert.equal(tensorJsonText("FP32", bytes), "[0.5,0.10000000149011612]");
  assert.throws(() => tensorJsonText("FP16", new Uint8Array(2)), /--input-tensor-format binary/);
  assert.throws(() => tensorJsonText("FP32", tensorFromJson("FP32", [NaN])), RunError);
});

Deno.test("FP16 and BF16 round-trip representable values", () => {
  assert.equal(numberToHalf(1), 0x3c00);
  assert.equal(numberToHalf(65504), 0x7bff);
  assert.equal(numberToHalf(1e6), 0x7c00);
  assert.equal(numberToHalf(2 ** -24), 0x0001);
  const halves = [1, -2.5, 2 ** -14, 2 ** -24, 65504];
  assert.deepEqual(tensorToJson("FP16", tensorFromJson("FP16", halves)), halves);
  assert.deepEqual(tensorToJson("BF16", tensorFromJson("BF16", [1, -3.5, 256])), [1, -3.5, 256]);
});

Deno.test("out-of-range and mistyped values are refused", () => {
  assert.throws(() => tensorFromJson("INT8", [128]), /invalid INT8 value in tensor data: 128/);
  assert.throws(() => tensorFromJson("UINT8", [1.5]), RunError);
  assert.throws(() => tensorFromJson("FP32", ["1"]), RunError);
  assert.throws(() => tensorFromJson("BYTES", [3]), RunError);
  assert.throws(() => tensorToJson("INT32", new Uint8Array(3)), /whole number of elements/);
});
