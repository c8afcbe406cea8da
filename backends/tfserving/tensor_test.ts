/**
 * TensorProto encoding and decoding for every datatype (docs/protocols.md §4.3): each one goes
 * out in the typed field perf_analyzer uses, survives the protobuf wire, and comes back as the
 * same wire bytes; tensor_content and single-element broadcast decode too.
 */
import assert from "node:assert/strict";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { RunError } from "../../core/errors.ts";
import { tensorFromJson } from "../../core/data/tensor_codec.ts";
import { tfMessages } from "../../wire/tfserving/proto.ts";
import { fromTfDtype, shapeOf, tensorProto, tfDtype, wireTensor } from "./tensor.ts";

/**
 * Datatype -> [TF dtype, typed field, sample values], the table of docs/protocols.md §1.7 / §4.3.
 */
const CASES: [DataType, string, string, unknown[]][] = [
  ["BOOL", "DT_BOOL", "bool_val", [true, false, true, true]],
  ["UINT8", "DT_UINT8", "int_val", [0, 1, 200, 255]],
  ["UINT16", "DT_UINT16", "int_val", [0, 1, 40000, 65535]],
  ["UINT32", "DT_UINT32", "uint32_val", [0, 1, 3000000000, 4294967295]],
  ["UINT64", "DT_UINT64", "uint64_val", [0n, 1n, 2n ** 53n + 1n, 2n ** 64n - 1n]],
  ["INT8", "DT_INT8", "int_val", [-128, -1, 0, 127]],
  ["INT16", "DT_INT16", "int_val", [-32768, -1, 0, 32767]],
  ["INT32", "DT_INT32", "int_val", [-2147483648, -1, 0, 2147483647]],
  ["INT64", "DT_INT64", "int64_val", [-(2n ** 63n), -1n, 2n ** 53n + 1n, 2n ** 63n - 1n]],
  ["FP16", "DT_HALF", "half_val", [0, 1.5, -2, 65504]],
  ["FP32", "DT_FLOAT", "float_val", [0, 1.5, -2.25, 3.0e38]],
  ["FP64", "DT_DOUBLE", "double_val", [0, 1.5, -2.25, 1e300]],
];

/** Encodes a TensorProto object on the wire and decodes it back, as the peer would. */
function overTheWire(proto: Record<string, unknown>): Record<string, unknown> {
  const m = tfMessages().TensorProto;
  return m.decode(m.encode(proto));
}

for (const [dt, tf, field, values] of CASES) {
  Deno.test(`tfserving tensor: ${dt} goes as ${tf} in ${field} and comes back byte-exact`, () => {
    const bytes = tensorFromJson(dt, values);
    const proto = tensorProto(dt, [2, 2], bytes);
    assert.equal(proto.dtype, tf);
    assert.equal(tfDtype(dt), tf);
    assert.equal(fromTfDtype(tf), dt);
    assert.equal((proto[field] as unknown[]).length, 4);
    const back = wireTensor("X", overTheWire(proto));
    assert.deepEqual(back, { datatype: dt, shape: [2, 2], bytes });
  });
}

Deno.test("tfserving tensor: BYTES go as string_val without their length prefixes", () => {
  const bytes = encodeStringElements(["ab", "", "xyz"]);
  const proto = tensorProto("BYTES", [3], bytes);
  assert.equal(proto.dtype, "DT_STRING");
  const enc = new TextEncoder();
  assert.deepEqual(proto.string_val, [enc.encode("ab"), enc.encode(""), enc.encode("xyz")]);
  assert.deepEqual(wireTensor("S", overTheWire(proto)), {
    datatype: "BYTES",
    shape: [3],
    bytes,
  });
});

Deno.test("tfserving tensor: FP16 travels as its 16-bit pattern", () => {
  const proto = tensorProto("FP16", [1], tensorFromJson("FP16", [1]));
  assert.deepEqual(proto.half_val, [0x3c00]);
});

Deno.test("tfserving tensor: BF16 is refused with the reason", () => {
  assert.throws(
    () => tensorProto("BF16", [1], new Uint8Array(2)),
    (e) => e instanceof RunError && /BF16 cannot be sent to TF Serving/.test(e.message),
  );
  assert.equal(fromTfDtype("DT_BFLOAT16"), undefined);
});

Deno.test("tfserving tensor: tensor_content and a broadcast single element decode", () => {
  const bytes = tensorFromJson("INT32", [1, 2, 3, 4]);
  const content = overTheWire({
    dtype: "DT_INT32",
    tensor_shape: { dim: [{ size: 4 }] },
    tensor_content: bytes,
  });
  // protobufjs hands bytes back as a Buffer view; compare the bytes themselves.
  assert.deepEqual(new Uint8Array(wireTensor("C", content).bytes), bytes);
  const one = overTheWire({
    dtype: "DT_FLOAT",
    tensor_shape: { dim: [{ size: 3 }] },
    float_val: [2],
  });
  assert.deepEqual(wireTensor("B", one).bytes, tensorFromJson("FP32", [2, 2, 2]));
});

Deno.test("tfserving tensor: scalars, unknown dims and unknown rank", () => {
  assert.deepEqual(shapeOf({}), []);
  assert.deepEqual(shapeOf({ dim: [{ size: "-1" }, { size: "16" }] }), [-1, 16]);
  assert.equal(shapeOf({ unknown_rank: true }), undefined);
  const scalar = overTheWire({ dtype: "DT_INT64", tensor_shape: {}, int64_val: ["7"] });
  assert.deepEqual(wireTensor("s", scalar), {
    datatype: "INT64",
    shape: [],
    bytes: tensorFromJson("INT64", [7n]),
  });
});

Deno.test("tfserving tensor: a wrong element count or dtype names the tensor", () => {
  const short = overTheWire({
    dtype: "DT_INT32",
    tensor_shape: { dim: [{ size: 4 }] },
    int_val: [1, 2],
  });
  assert.throws(
    () => wireTensor("INPUT0", short),
    /tensor 'INPUT0' has 2 elements for shape \[4\]/,
  );
  assert.throws(
    () => wireTensor("Q", { dtype: "DT_QINT8", tensor_shape: {} }),
    /tensor 'Q' has dtype DT_QINT8, which this tool cannot read/,
  );
});
