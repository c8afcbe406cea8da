import assert from "node:assert/strict";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { type OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import { tensorFromJson } from "../../core/data/tensor_codec.ts";
import {
  captureStreamOutputs,
  captureUnaryOutputs,
  decodeInferOutputs,
  decodeStreamOutputs,
} from "./grpc_outputs.ts";
import { tritonRpc } from "./grpc_proto.ts";
import { OutputDecodeError } from "../shared/output_tensor.ts";

type Message = Record<string, unknown>;

function inferBytes(response: Message): Uint8Array {
  return tritonRpc("ModelInfer").response.encode(response);
}

function decoded(response: Message | Uint8Array): OutputTensor[] {
  const out: OutputTensor[] = [];
  decodeInferOutputs(response instanceof Uint8Array ? response : inferBytes(response), out);
  return out;
}

function problem(bytes: Uint8Array): string {
  try {
    decodeInferOutputs(bytes, []);
  } catch (e) {
    assert.ok(e instanceof OutputDecodeError, String(e));
    return e.message;
  }
  assert.fail("decoded without a problem");
}

const SUM = tensorFromJson("INT32", [3, -1, 7, 2147483647]);
const TEXT = encodeStringElements(["ab", "", "✓"]);

Deno.test("raw_output_contents pair with outputs in order, copied out of the message", () => {
  const bytes = inferBytes({
    model_name: "simple",
    outputs: [
      { name: "OUTPUT0", datatype: "INT32", shape: [1, 4] },
      { name: "TEXT", datatype: "BYTES", shape: [3] },
    ],
    raw_output_contents: [SUM, TEXT],
  });
  const out: OutputTensor[] = [];
  decodeInferOutputs(bytes, out);
  assert.deepEqual(out, [
    { name: "OUTPUT0", datatype: "INT32", shape: [1, 4], bytes: SUM },
    { name: "TEXT", datatype: "BYTES", shape: [3], bytes: TEXT },
  ]);
  bytes.fill(0);
  assert.deepEqual(out[0].bytes, SUM, "the tensor does not view the message");
});

Deno.test("typed contents of every datatype become the raw wire form", () => {
  const cases: [string, string, Message, unknown[]][] = [
    ["BOOL", "bool_contents", { bool_contents: [true, false] }, [true, false]],
    ["INT8", "int_contents", { int_contents: [-128, 127] }, [-128, 127]],
    ["INT16", "int_contents", { int_contents: [-2, 300] }, [-2, 300]],
    ["INT32", "int_contents", { int_contents: [-2147483648, 5] }, [-2147483648, 5]],
    ["INT64", "int64_contents", { int64_contents: ["-9007199254740993", "1"] }, [
      -9007199254740993n,
      1n,
    ]],
    ["UINT8", "uint_contents", { uint_contents: [255, 0] }, [255, 0]],
    ["UINT32", "uint_contents", { uint_contents: [4294967295, 1] }, [4294967295, 1]],
    ["UINT64", "uint64_contents", { uint64_contents: ["18446744073709551615", "2"] }, [
      18446744073709551615n,
      2n,
    ]],
    ["FP32", "fp32_contents", { fp32_contents: [1.5, -0] }, [1.5, -0]],
    ["FP64", "fp64_contents", { fp64_contents: [0.1, 1e300] }, [0.1, 1e300]],
    ["BYTES", "bytes_contents", {
      bytes_contents: [new TextEncoder().encode("ab"), new Uint8Array(0)],
    }, ["ab", ""]],
  ];
  for (const [datatype, field, contents, values] of cases) {
    const [out] = decoded({ outputs: [{ name: "O", datatype, shape: [2], contents }] });
    assert.deepEqual(out.bytes, tensorFromJson(datatype as "BOOL", values), `${field}`);
    assert.equal(out.datatype, datatype);
  }
});

Deno.test("unpacked repeated fields and non-packed shapes decode too", () => {
  // outputs { name "O" datatype "FP32" shape 2 (unpacked) contents { fp32 1.0, fp32 2.0 } }
  const fp32 = (x: number) => [...new Uint8Array(Float32Array.of(x).buffer)];
  const contents = [0x35, ...fp32(1), 0x35, ...fp32(2)];
  const tensor = [
    0x0a,
    1,
    79,
    0x12,
    4,
    70,
    80,
    51,
    50,
    0x18,
    2,
    0x2a,
    contents.length,
    ...contents,
  ];
  assert.deepEqual(decoded(Uint8Array.of(0x2a, tensor.length, ...tensor))[0], {
    name: "O",
    datatype: "FP32",
    shape: [2],
    bytes: new Uint8Array(Float32Array.of(1, 2).buffer),
  });
});

Deno.test("stream responses: the infer_response is decoded; empty ones give nothing", () => {
  const stream = tritonRpc("ModelStreamInfer").response;
  const message = stream.encode({
    error_message: "",
    infer_response: {
      outputs: [{ name: "OUT", datatype: "INT32", shape: [1] }],
      raw_output_contents: [tensorFromJson("INT32", [9])],
      parameters: { triton_final_response: { bool_param: false } },
    },
  });
  const out: OutputTensor[] = [];
  decodeStreamOutputs(message, out);
  assert.deepEqual(out.map((t) => [t.name, [...t.bytes]]), [["OUT", [9, 0, 0, 0]]]);
  const none: OutputTensor[] = [];
  decodeStreamOutputs(stream.encode({ error_message: "" }), none);
  assert.deepEqual(none, []);
});

Deno.test("undecodable outputs are described precisely", () => {
  const out = (o: Message) => ({ name: "OUTPUT0", datatype: "INT32", shape: [1, 4], ...o });
  assert.equal(
    problem(inferBytes({ outputs: [out({}), out({ name: "B" })], raw_output_contents: [SUM] })),
    "ModelInferResponse has 1 raw_output_contents for 2 outputs",
  );
  assert.equal(
    problem(inferBytes({ outputs: [out({})], raw_output_contents: [SUM.subarray(0, 12)] })),
    "output 'OUTPUT0': 12 bytes of INT32 data for shape [1,4], which needs 16",
  );
  assert.equal(
    problem(inferBytes({ outputs: [out({ datatype: "INT31" })], raw_output_contents: [SUM] })),
    "output 'OUTPUT0': datatype 'INT31' is not a KServe v2 datatype",
  );
  assert.equal(
    problem(inferBytes({ outputs: [out({ shape: [-1, 4] })], raw_output_contents: [SUM] })),
    "output 'OUTPUT0': shape is not a list of non-negative integers",
  );
  assert.equal(
    problem(inferBytes({
      outputs: [out({ datatype: "BYTES", shape: [2] })],
      raw_output_contents: [Uint8Array.of(2, 0, 0, 0, 97)],
    })),
    "output 'OUTPUT0': BYTES tensor element at byte 0 runs past the end of the data",
  );
  assert.equal(
    problem(inferBytes({
      outputs: [out({ datatype: "INT8", shape: [1], contents: { int_contents: [300] } })],
    })),
    "output 'OUTPUT0': invalid INT8 value in tensor data: 300",
  );
  assert.equal(
    problem(inferBytes({ outputs: [out({ datatype: "FP16", shape: [2] })] })),
    "output 'OUTPUT0': 0 bytes of FP16 data for shape [2], which needs 4",
  );
  const good = inferBytes({ outputs: [out({})], raw_output_contents: [SUM] });
  assert.equal(
    problem(good.subarray(0, good.length - 3)),
    "malformed ModelInferResponse: field length exceeds the message",
  );
});

Deno.test("capture fills the record once, or fails it as a protocol error", () => {
  const good = inferBytes({
    outputs: [{ name: "OUT", datatype: "INT32", shape: [4] }],
    raw_output_contents: [SUM],
  });
  const rec = new RequestRecord();
  captureUnaryOutputs(good, rec, 5);
  captureUnaryOutputs(inferBytes({}), rec, 6);
  assert.equal(rec.outcome, "ok");
  assert.deepEqual(rec.outputs.map((t) => t.name), ["OUT"], "only the first response counts");
  rec.reset(0);
  const bad = inferBytes({
    outputs: [{ name: "A", datatype: "INT32", shape: [4] }, { name: "B", datatype: "INT32" }],
    raw_output_contents: [SUM, SUM],
  });
  captureUnaryOutputs(bad, rec, 7);
  assert.equal(rec.outcome, "protocol_error");
  assert.equal(rec.error, "output 'B': 16 bytes of INT32 data for shape [], which needs 4");
  assert.equal(rec.endNs, 7);
  assert.deepEqual(rec.outputs, [], "partial outputs are dropped");
  rec.reset(0);
  const stream = tritonRpc("ModelStreamInfer").response;
  const streamed = stream.encode({ infer_response: { outputs: [], model_name: "m" } });
  captureStreamOutputs(streamed, 0, rec, 1);
  assert.deepEqual(rec.outputs, [], "a response without outputs is not decoded");
});
