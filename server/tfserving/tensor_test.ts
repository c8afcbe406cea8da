/**
 * The reference server's TensorProto codec against bytes written by hand from
 * proto/tfserving/tensor.proto (field numbers, packed varints, the DataType enum), not against
 * the client's codec: a bug both sides shared would pass every round trip but not these.
 */
import assert from "node:assert/strict";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { tfMessages } from "../../wire/tfserving/proto.ts";
import { ApiError } from "../kserve/http_error.ts";
import { fromTensorProto, tfDtypeName, toTensorProto } from "./tensor.ts";

const hex = (s: string) => Uint8Array.from(s.split(" "), (b) => parseInt(b, 16));

/** TensorProto.tensor_shape (field 2) holding one dim (field 2) of `size` (a one-byte varint). */
const shape1 = (size: number) => `12 04 12 02 08 0${size}`;

/** [datatype, shape, KServe wire bytes, TensorProto bytes]; comments spell out the fields. */
const REPLIES: [DataType, number[], string, string][] = [
  // dtype 3 (DT_INT32); int_val (7, packed): 1, then -1 as a 10-byte varint.
  [
    "INT32",
    [2],
    "01 00 00 00 ff ff ff ff",
    `08 03 ${shape1(2)} 3a 0b 01 ff ff ff ff ff ff ff ff ff 01`,
  ],
  // dtype 19 (DT_HALF); half_val (13, packed): the pattern 0x3c00 (1.0) as varint 80 78.
  ["FP16", [1], "00 3c", `08 13 ${shape1(1)} 6a 02 80 78`],
  // dtype 7 (DT_STRING); string_val (8) once per element, without KServe's length prefixes.
  ["BYTES", [2], "02 00 00 00 61 62 00 00 00 00", `08 07 ${shape1(2)} 42 02 61 62 42 00`],
  // dtype 10 (DT_BOOL); bool_val (11, packed).
  ["BOOL", [2], "01 00", `08 0a ${shape1(2)} 5a 02 01 00`],
  // dtype 1 (DT_FLOAT); float_val (5, packed): 1.5 as little-endian fixed32.
  ["FP32", [1], "00 00 c0 3f", `08 01 ${shape1(1)} 2a 04 00 00 c0 3f`],
  // dtype 9 (DT_INT64); int64_val (10, packed): 2^53 + 1, which a double cannot hold.
  ["INT64", [1], "01 00 00 00 00 00 20 00", `08 09 ${shape1(1)} 52 08 81 80 80 80 80 80 80 10`],
  // dtype 23 (DT_UINT64); uint64_val (17: tag 8a 01, packed): 2^64 - 1.
  [
    "UINT64",
    [1],
    "ff ff ff ff ff ff ff ff",
    `08 17 ${shape1(1)} 8a 01 0a ff ff ff ff ff ff ff ff ff 01`,
  ],
  // dtype 22 (DT_UINT32); uint32_val (16: tag 82 01, packed): 2^32 - 1.
  ["UINT32", [1], "ff ff ff ff", `08 16 ${shape1(1)} 82 01 05 ff ff ff ff 0f`],
];

for (const [dt, shape, wire, proto] of REPLIES) {
  Deno.test(`tfserving server tensor: ${dt} replies encode to hand-written bytes and back`, () => {
    const m = tfMessages().TensorProto;
    const encoded = m.encode(toTensorProto(dt, shape, hex(wire)));
    assert.deepEqual([...encoded], [...hex(proto)]);
    const back = fromTensorProto("X", m.decode(hex(proto)));
    assert.deepEqual(back, { datatype: dt, shape, bytes: hex(wire) });
  });
}

function decode(bytes: string) {
  return fromTensorProto("X", tfMessages().TensorProto.decode(hex(bytes)));
}

Deno.test("tfserving server tensor: requests may use tensor_content or one broadcast element", () => {
  // tensor_content (4): the KServe little-endian bytes as they are.
  assert.deepEqual(decode(`08 03 ${shape1(2)} 22 08 01 00 00 00 ff ff ff ff`), {
    datatype: "INT32",
    shape: [2],
    bytes: hex("01 00 00 00 ff ff ff ff"),
  });
  // One int_val element (7) for shape [3] stands for all three.
  assert.deepEqual(decode(`08 03 ${shape1(3)} 3a 01 07`), {
    datatype: "INT32",
    shape: [3],
    bytes: hex("07 00 00 00 07 00 00 00 07 00 00 00"),
  });
  // dtype 17 (DT_UINT16) travels in int_val: 65535 is varint ff ff 03.
  assert.deepEqual(decode(`08 11 ${shape1(1)} 3a 03 ff ff 03`), {
    datatype: "UINT16",
    shape: [1],
    bytes: hex("ff ff"),
  });
  // Strings get KServe's 4-byte little-endian length prefixes.
  assert.deepEqual(decode(`08 07 ${shape1(2)} 42 02 61 62 42 01 63`), {
    datatype: "BYTES",
    shape: [2],
    bytes: hex("02 00 00 00 61 62 01 00 00 00 63"),
  });
});

Deno.test("tfserving server tensor: unreadable requests are INVALID_ARGUMENT naming the tensor", () => {
  const refused = (bytes: string, text: RegExp) =>
    assert.throws(() => decode(bytes), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.match(e.message, text);
      return true;
    });
  // dtype 14 (DT_BFLOAT16) has no KServe counterpart here.
  refused(`08 0e ${shape1(1)}`, /^tensor 'X' has dtype DT_BFLOAT16, which is not served$/);
  refused(`08 03 ${shape1(3)} 3a 02 01 02`, /^tensor 'X' has 2 elements for shape \[3\]$/);
  // unknown_rank (3) = true; then a dim of size -1 (a 10-byte varint).
  refused("08 03 12 02 18 01", /^tensor 'X' has no concrete shape$/);
  refused(
    "08 03 12 0d 12 0b 08 ff ff ff ff ff ff ff ff ff 01",
    /^tensor 'X' has no concrete shape$/,
  );
});

Deno.test("tfserving server tensor: TF enum names, and none for BF16", () => {
  assert.equal(tfDtypeName("INT8"), "DT_INT8");
  assert.equal(tfDtypeName("FP64"), "DT_DOUBLE");
  assert.equal(tfDtypeName("BYTES"), "DT_STRING");
  assert.equal(tfDtypeName("BF16"), undefined);
});
