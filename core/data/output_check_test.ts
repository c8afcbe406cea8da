import assert from "node:assert/strict";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { numberToBf16, numberToHalf } from "../../wire/kserve/half_float.ts";
import { compareOutputs, DATA_MISMATCH, SIZE_MISMATCH } from "./output_check.ts";
import type { OutputTensor } from "../measure/record.ts";
import { tensorFromJson } from "./tensor_codec.ts";

function tensor(name: string, datatype: DataType, values: unknown[]): OutputTensor {
  return { name, datatype, shape: [values.length], bytes: tensorFromJson(datatype, values) };
}

function halves(values: number[], encode: (x: number) => number): Uint8Array {
  return new Uint8Array(Uint16Array.from(values, encode).buffer);
}

Deno.test("a match is undefined; outputs without expected data are not checked", () => {
  const got = [tensor("OUTPUT0", "INT32", [1, 2]), tensor("EXTRA", "FP32", [0.5])];
  assert.equal(compareOutputs(new Map([["OUTPUT0", got[0].bytes.slice()]]), got), undefined);
  assert.equal(compareOutputs(new Map(), []), undefined);
});

Deno.test("a missing output and a size mismatch use perf_analyzer's wording", () => {
  const got = [tensor("OUTPUT0", "INT32", [1, 2])];
  assert.equal(
    compareOutputs(new Map([["OUTPUT1", new Uint8Array(8)]]), got),
    "missing output 'OUTPUT1'",
  );
  assert.equal(
    compareOutputs(new Map([["OUTPUT0", new Uint8Array(12)]]), got),
    `${SIZE_MISMATCH}: output 'OUTPUT0' has 8 bytes, expected 12`,
  );
  assert.equal(SIZE_MISMATCH, "Output size doesn't match expected size");
  assert.equal(DATA_MISMATCH, "Output doesn't match expected output");
});

Deno.test("the first differing element is named with both values, by datatype", () => {
  const check = (got: OutputTensor, want: unknown[]) =>
    compareOutputs(new Map([[got.name, tensorFromJson(got.datatype as DataType, want)]]), [got]);
  assert.equal(
    check(tensor("OUTPUT0", "INT32", [5, 6, -7, 9]), [5, 6, 7, 8]),
    `${DATA_MISMATCH}: output 'OUTPUT0' element 2 is -7, expected 7`,
  );
  assert.equal(
    check(tensor("U", "UINT64", [1n, 18446744073709551615n]), [1n, 18446744073709551614n]),
    `${DATA_MISMATCH}: output 'U' element 1 is 18446744073709551615, expected 18446744073709551614`,
  );
  assert.equal(
    check(tensor("F", "FP64", [0.1, 2.5]), [0.1, 2.25]),
    `${DATA_MISMATCH}: output 'F' element 1 is 2.5, expected 2.25`,
  );
  assert.equal(
    check(tensor("B", "BOOL", [true, false]), [true, true]),
    `${DATA_MISMATCH}: output 'B' element 1 is false, expected true`,
  );
  assert.equal(
    check(tensor("S", "BYTES", ["12", "ab\ncd"]), ["12", "ab\ncc"]),
    `${DATA_MISMATCH}: output 'S' element 1 is "ab\\ncd", expected "ab\\ncc"`,
  );
});

Deno.test("FP16 and BF16 elements are shown as numbers", () => {
  const half = { name: "H", datatype: "FP16", shape: [2], bytes: halves([1, 0.5], numberToHalf) };
  assert.equal(
    compareOutputs(new Map([["H", halves([1, 0.25], numberToHalf)]]), [half]),
    `${DATA_MISMATCH}: output 'H' element 1 is 0.5, expected 0.25`,
  );
  const bf = { name: "B", datatype: "BF16", shape: [1], bytes: halves([-3], numberToBf16) };
  assert.equal(
    compareOutputs(new Map([["B", halves([3], numberToBf16)]]), [bf]),
    `${DATA_MISMATCH}: output 'B' element 0 is -3, expected 3`,
  );
});

Deno.test("comparison is byte-exact: -0, NaN payloads and BYTES framing all count", () => {
  const zero = tensor("Z", "FP32", [0, -0]);
  assert.equal(
    compareOutputs(new Map([["Z", tensorFromJson("FP32", [0, 0])]]), [zero]),
    `${DATA_MISMATCH}: output 'Z' element 1 is -0, expected 0`,
  );
  const nan = (bits: number) => new Uint8Array(Uint32Array.of(bits).buffer);
  const got = { name: "N", datatype: "FP32", shape: [1], bytes: nan(0x7fc00001) };
  assert.equal(
    compareOutputs(new Map([["N", nan(0x7fc00000)]]), [got]),
    `${DATA_MISMATCH}: output 'N' element 0 is NaN (bytes 0100c07f), expected NaN ` +
      "(bytes 0000c07f)",
  );
  // Same total size, different framing: ["ab", ""] against ["a", "b"].
  const text = {
    name: "T",
    datatype: "BYTES",
    shape: [2],
    bytes: encodeStringElements(["a", "b"]),
  };
  assert.equal(
    compareOutputs(new Map([["T", encodeStringElements(["ab", ""])]]), [text]),
    `${DATA_MISMATCH}: output 'T' element 0 is "a", expected "ab"`,
  );
});

Deno.test("long strings are cut near the difference; broken framing still explains", () => {
  const head = "x".repeat(100);
  const got = tensor("L", "BYTES", [head + "1" + "y".repeat(100)]);
  const want = encodeStringElements([head + "2" + "y".repeat(100)]);
  const shown = (c: string) => `..."${"x".repeat(16)}${c}${"y".repeat(47)}"...`;
  assert.equal(
    compareOutputs(new Map([["L", want]]), [got]),
    `${DATA_MISMATCH}: output 'L' element 0 is ${shown("1")}, expected ${shown("2")}`,
  );
  // Invalid UTF-8 decodes alike on both sides, so the bytes are shown instead.
  const raw = (b: number) => Uint8Array.of(2, 0, 0, 0, 0xff, b);
  const binary = { name: "R", datatype: "BYTES", shape: [1], bytes: raw(0xfe) };
  assert.equal(
    compareOutputs(new Map([["R", raw(0xfd)]]), [binary]),
    `${DATA_MISMATCH}: output 'R' element 0 is bytes fffe, expected bytes fffd`,
  );
  const broken = { name: "T", datatype: "BYTES", shape: [1], bytes: Uint8Array.of(9, 0, 0, 0, 1) };
  assert.equal(
    compareOutputs(new Map([["T", Uint8Array.of(9, 0, 0, 0, 2)]]), [broken]),
    `${DATA_MISMATCH}: output 'T' differs at byte 4 ` +
      "(BYTES tensor element at byte 0 runs past the end of the data)",
  );
  const odd = { name: "X", datatype: "INT3", shape: [2], bytes: Uint8Array.of(1, 2) };
  assert.equal(
    compareOutputs(new Map([["X", Uint8Array.of(1, 3)]]), [odd]),
    `${DATA_MISMATCH}: output 'X' element 1 is 2, expected 3`,
  );
});
