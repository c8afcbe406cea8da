import assert from "node:assert/strict";
import { inferResponseProblem, InferResponseWalk } from "./grpc_infer_response.ts";
import { tritonRpc } from "./grpc_proto.ts";
import { inferOk } from "./testing/h2_triton_fake.ts";

const encode = (value: Record<string, unknown>) => tritonRpc("ModelInfer").response.encode(value);

Deno.test("inferResponseProblem: what the protobuf encoder writes passes", () => {
  assert.equal(inferResponseProblem(inferOk()), "");
  // Empty: every field at its default.
  assert.equal(inferResponseProblem(new Uint8Array(0)), "");
  const full = encode({
    model_name: "m",
    model_version: "1",
    id: "42",
    parameters: { triton_final_response: { bool_param: true } },
    outputs: [
      {
        name: "A",
        datatype: "FP32",
        shape: [2, 3],
        parameters: { binary_data_size: { int64_param: 24 } },
        contents: { fp32_contents: [1, 2, 3, 4, 5, 6] },
      },
      { name: "B", datatype: "INT32", shape: [1] },
    ],
  });
  assert.equal(inferResponseProblem(full), "");
  // An unknown field (number 15, varint 1) is skipped, as protobuf readers must.
  assert.equal(inferResponseProblem(Uint8Array.of(...inferOk(), 15 << 3, 1)), "");
});

Deno.test("inferResponseProblem: bytes that are not a ModelInferResponse are named", () => {
  const ok = inferOk();
  const cases: [Uint8Array, string][] = [
    [new TextEncoder().encode('{"model_name":"m"}'), "unsupported wire type 3"],
    [ok.subarray(0, ok.length - 1), "field length exceeds the message"],
    [Uint8Array.of(0x08, 0x01), "field 1 has wire type 0"],
    [Uint8Array.of(0x02, 0x00), "field number 0"],
    [Uint8Array.of(0x0a, 0x80), "truncated varint"],
    // outputs { datatype: varint 1 }
    [Uint8Array.of(0x2a, 0x02, 0x10, 0x01), "output tensor field 2 has wire type 0"],
    // outputs of 2 bytes holding a name of 3.
    [
      Uint8Array.of(0x2a, 0x02, 0x0a, 0x03, 0x41, 0x42, 0x43),
      "an output tensor's field runs past its end",
    ],
  ];
  for (const [bytes, why] of cases) {
    assert.equal(inferResponseProblem(bytes), `malformed ModelInferResponse: ${why}`);
  }
  const twoRaw = encode({
    outputs: [{ name: "A", datatype: "INT32", shape: [1] }],
    raw_output_contents: [new Uint8Array(4), new Uint8Array(4)],
  });
  assert.equal(
    inferResponseProblem(twoRaw),
    "ModelInferResponse has 2 raw_output_contents for 1 outputs",
  );
});

/** The walk's verdict on `bytes` heard in two pieces cut at `cut`, then in single bytes. */
function walked(bytes: Uint8Array, cut: number): [string, string] {
  const walk = new InferResponseWalk();
  walk.begin(bytes.length);
  walk.piece(bytes, 0, cut);
  walk.piece(bytes, cut, bytes.length);
  const halves = walk.end();
  walk.begin(bytes.length);
  for (let i = 0; i < bytes.length; i++) walk.piece(bytes, i, i + 1);
  return [halves, walk.end()];
}

Deno.test("InferResponseWalk: a reply heard in pieces gets the whole reply's verdict", () => {
  const ok = inferOk();
  const big = encode({
    outputs: [{ name: "A", datatype: "INT32", shape: [1 << 10] }],
    raw_output_contents: [new Uint8Array(4 << 10)],
  });
  const cases = [
    ok,
    big,
    Uint8Array.of(...ok, 15 << 3, 1, 9 << 3 | 1, 1, 2, 3, 4, 5, 6, 7, 8),
    ok.subarray(0, ok.length - 1),
    Uint8Array.of(0x08, 0x01),
    Uint8Array.of(0x0a, 0x80),
    Uint8Array.of(0x2a, 0x02, 0x10, 0x01),
    Uint8Array.of(...ok, 9 << 3 | 1, 1, 2),
    encode({
      outputs: [{ name: "A", datatype: "INT32", shape: [1] }],
      raw_output_contents: [new Uint8Array(4), new Uint8Array(4)],
    }),
  ];
  for (const bytes of cases) {
    const expected = inferResponseProblem(bytes);
    for (const cut of [0, 1, 2, 3, bytes.length >> 1, bytes.length - 1, bytes.length]) {
      if (cut > bytes.length) continue;
      assert.deepEqual(walked(bytes, cut), [expected, expected], `cut at ${cut}: ${expected}`);
    }
  }
  assert.equal(inferResponseProblem(big), "");
  assert.equal(
    inferResponseProblem(Uint8Array.of(...ok, 9 << 3 | 1, 1, 2)),
    "malformed ModelInferResponse: truncated fixed-width field",
  );
  // Bytes past the message's end (the next message's, in the same chunk) are not read.
  const walk = new InferResponseWalk();
  walk.begin(ok.length);
  walk.piece(Uint8Array.of(...ok, 0xff, 0xff), 0, ok.length + 2);
  assert.equal(walk.end(), "");
});
