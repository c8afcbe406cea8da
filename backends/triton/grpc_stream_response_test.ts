import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import type { RequestSpec } from "../../core/backend.ts";
import { encodeGrpcInferRequest, PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { tritonRpc } from "./grpc_proto.ts";
import { GrpcCode, grpcCodeName, outcomeOfStatus, statusText } from "../net/grpc_status.ts";
import { StreamResponseWalk } from "./grpc_stream_response.ts";

const SPEC: RequestSpec = {
  model: "simple",
  version: "3",
  inputs: [
    { name: "INPUT0", datatype: "INT32", shape: [2, 16], bytes: new Uint8Array(128).fill(1) },
    { name: "TEXT", datatype: "BYTES", shape: [1], bytes: Uint8Array.of(2, 0, 0, 0, 104, 105) },
  ],
  outputs: ["OUTPUT0"],
  batchSize: 2,
};

function streamBytes(message: Record<string, unknown>): Uint8Array {
  return tritonRpc("ModelStreamInfer").response.encode(message);
}

Deno.test("the prepared request decodes back to the spec, tensors in raw_input_contents", () => {
  const prepared = encodeGrpcInferRequest(SPEC, { streaming: false, decoupled: false });
  assert.ok(prepared instanceof PreparedGrpcInfer);
  const back = tritonRpc("ModelInfer").request.decode(prepared.bytes);
  assert.equal(back.model_name, "simple");
  assert.equal(back.model_version, "3");
  assert.deepEqual(back.inputs, [
    { name: "INPUT0", datatype: "INT32", shape: [2, 16] },
    { name: "TEXT", datatype: "BYTES", shape: [1] },
  ]);
  assert.deepEqual(back.outputs, [{ name: "OUTPUT0" }]);
  const raw = back.raw_input_contents as Uint8Array[];
  assert.deepEqual([...raw[0]], [...SPEC.inputs[0].bytes]);
  assert.deepEqual([...raw[1]], [2, 0, 0, 0, 104, 105]);
  assert.equal(back.parameters, undefined, "unary requests carry no parameters");
});

Deno.test("a tiny request encodes to exactly the bytes of the proto wire format", () => {
  const prepared = encodeGrpcInferRequest({
    model: "m",
    version: "",
    inputs: [{
      name: "I",
      datatype: "INT32",
      shape: [1, 2],
      bytes: Uint8Array.of(1, 0, 0, 0, 255, 255, 255, 255),
    }],
    outputs: ["O"],
    batchSize: 1,
  }, { streaming: true, decoupled: false });
  const key = Buffer.from("triton_enable_empty_final_response").toString("hex");
  const expected = [
    "0a016d", // 1 model_name "m"
    "1200", // 2 model_version ""
    "2228", // 4 parameters: one map entry of 40 bytes
    "0a22" + key, //   key (34 bytes)
    "12020801", //   value InferParameter { bool_param: true }
    "2a0e", // 5 inputs: 14 bytes
    "0a0149", //   name "I"
    "1205" + Buffer.from("INT32").toString("hex"), //   datatype
    "1a020102", //   shape [1, 2], packed
    "3203", // 6 outputs: 3 bytes
    "0a014f", //   name "O"
    "3a08" + "01000000ffffffff", // 7 raw_input_contents
  ].join("");
  assert.equal(Buffer.from(prepared.bytes).toString("hex"), expected);
});

Deno.test("streaming requests ask for the empty final response; encoding is deterministic", () => {
  const a = encodeGrpcInferRequest(SPEC, { streaming: true, decoupled: true });
  const b = encodeGrpcInferRequest(SPEC, { streaming: true, decoupled: true });
  assert.deepEqual([...a.bytes], [...b.bytes]);
  assert.equal(a.decoupled, true);
  const back = tritonRpc("ModelInfer").request.decode(a.bytes);
  assert.deepEqual(back.parameters, {
    triton_enable_empty_final_response: { bool_param: true },
  });
  // No requested outputs: the field is simply absent (the server returns them all).
  const none = encodeGrpcInferRequest({ ...SPEC, outputs: [] }, {
    streaming: false,
    decoupled: false,
  });
  assert.equal(tritonRpc("ModelInfer").request.decode(none.bytes).outputs, undefined);
});

Deno.test("stream responses: final flag, output count and error text without a full decode", () => {
  const walk = new StreamResponseWalk();
  const response = (final: boolean | undefined, outputs: number) => ({
    infer_response: {
      model_name: "m",
      id: "42",
      parameters: {
        other: { int64_param: 5 },
        ...(final === undefined ? {} : { triton_final_response: { bool_param: final } }),
      },
      outputs: Array.from({ length: outputs }, (_, i) => ({ name: `O${i}`, shape: [1, 2] })),
      raw_output_contents: Array.from({ length: outputs }, () => new Uint8Array(8)),
    },
  });
  assert.equal(walk.whole(streamBytes(response(true, 2))), "");
  assert.deepEqual(walk.info, { errorMessage: "", finalFlag: true, outputCount: 2 });
  assert.equal(walk.whole(streamBytes(response(false, 1))), "");
  assert.deepEqual(walk.info, { errorMessage: "", finalFlag: false, outputCount: 1 });
  assert.equal(walk.whole(streamBytes(response(undefined, 0))), "");
  assert.deepEqual(walk.info, { errorMessage: "", finalFlag: undefined, outputCount: 0 });
  const error = streamBytes({ error_message: "in-band: bad input ✗" });
  assert.equal(walk.whole(error), "");
  assert.deepEqual(walk.info, {
    errorMessage: "in-band: bad input ✗",
    finalFlag: undefined,
    outputCount: 0,
  });
  assert.equal(walk.whole(new Uint8Array(0)), "", "an empty message is valid");
});

Deno.test("malformed stream responses are reported, not thrown", () => {
  const walk = new StreamResponseWalk();
  const good = streamBytes({ error_message: "x".repeat(20) });
  assert.match(walk.whole(good.subarray(0, 10)), /exceeds the message/);
  assert.match(walk.whole(Uint8Array.of(0x18, 0x80)), /truncated varint/);
  assert.equal(
    walk.whole(Uint8Array.of(0x08, 0x01)),
    "malformed ModelStreamInferResponse: field 1 has wire type 0",
  );
  // infer_response holding 2 raw contents for no outputs: the unary reply check's verdict.
  assert.equal(
    walk.whole(Uint8Array.of(0x12, 0x04, 0x32, 0x00, 0x32, 0x00)),
    "ModelInferResponse has 2 raw_output_contents for 0 outputs",
  );
  assert.match(walk.whole(Uint8Array.of(0x0b)), /wire type 3/);
  assert.match(walk.whole(new Uint8Array(11).fill(0xff)), /longer than 10/);
});

/** The walk's verdict and reading of `bytes` heard in two pieces cut at `cut`, then bytewise. */
function walkedInPieces(walk: StreamResponseWalk, bytes: Uint8Array, cut: number) {
  walk.begin(bytes.length);
  walk.piece(bytes, 0, cut);
  walk.piece(bytes, cut, bytes.length);
  const halves = [walk.end(), { ...walk.info }];
  walk.begin(bytes.length);
  for (let i = 0; i < bytes.length; i++) walk.piece(bytes, i, i + 1);
  return [halves, [walk.end(), { ...walk.info }]];
}

Deno.test("stream responses heard in pieces get the whole response's verdict and values", () => {
  const walk = new StreamResponseWalk();
  const big = streamBytes({
    infer_response: {
      id: "7",
      parameters: { triton_final_response: { bool_param: true } },
      outputs: [{ name: "A", datatype: "FP32", shape: [1, 2048] }],
      raw_output_contents: [new Uint8Array(8192).fill(3)],
    },
  });
  const final = streamBytes({
    infer_response: { parameters: { triton_final_response: { bool_param: false } } },
  });
  const cases = [
    big,
    final,
    streamBytes({ error_message: "bad input ✗".repeat(40) }),
    new Uint8Array(0),
    // infer_response of 0 bytes, then an unknown varint field.
    Uint8Array.of(0x12, 0x00, 0x18, 0x05),
    big.subarray(0, big.length - 1),
    Uint8Array.of(0x08, 0x01),
    Uint8Array.of(0x12, 0x04, 0x32, 0x00, 0x32, 0x00),
    Uint8Array.of(0x12, 0x02, 0x2a, 0x05),
    Uint8Array.of(0x0b),
  ];
  for (const bytes of cases) {
    const problem = walk.whole(bytes);
    const expected = [problem, { ...walk.info }];
    for (const cut of [0, 1, 2, 3, bytes.length >> 1, bytes.length - 1, bytes.length]) {
      if (cut < 0 || cut > bytes.length) continue;
      assert.deepEqual(walkedInPieces(walk, bytes, cut), [expected, expected], `cut ${cut}`);
    }
  }
  assert.equal(walk.whole(big), "");
  assert.deepEqual(walk.info, { errorMessage: "", finalFlag: true, outputCount: 1 });
  assert.equal(walk.whole(final), "");
  assert.deepEqual(walk.info, { errorMessage: "", finalFlag: false, outputCount: 0 });
  assert.equal(walk.whole(Uint8Array.of(0x12, 0x00, 0x18, 0x05)), "");
  assert.equal(
    walk.whole(big.subarray(0, big.length - 1)),
    "malformed ModelStreamInferResponse: field length exceeds the message",
  );
  assert.equal(
    walk.whole(Uint8Array.of(0x12, 0x02, 0x2a, 0x05)),
    "malformed ModelInferResponse: field length exceeds the message",
  );
});

Deno.test("gRPC statuses map to outcomes and texts", () => {
  assert.equal(outcomeOfStatus(GrpcCode.UNAVAILABLE, false), "transport_error");
  assert.equal(outcomeOfStatus(GrpcCode.INVALID_ARGUMENT, false), "server_error");
  assert.equal(outcomeOfStatus(GrpcCode.INTERNAL, false), "server_error");
  assert.equal(outcomeOfStatus(GrpcCode.DEADLINE_EXCEEDED, false), "timeout");
  assert.equal(outcomeOfStatus(GrpcCode.CANCELLED, true), "cancelled");
  assert.equal(outcomeOfStatus(GrpcCode.CANCELLED, false), "server_error");
  assert.equal(grpcCodeName(12), "UNIMPLEMENTED");
  assert.equal(grpcCodeName(99), "status 99");
  assert.equal(statusText(3, "bad shape"), "bad shape");
  assert.equal(statusText(14, ""), "UNAVAILABLE");
  assert.equal(statusText(13, "  spaced \n"), "spaced");
});
