import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { connect, int32Bytes } from "./testing/client.ts";
import { startServer } from "../server.ts";
import { range16 } from "../testing/helpers.ts";

const row = int32Bytes(range16());
const input = (name: string, extra: Record<string, unknown> = {}) => ({
  name,
  datatype: "INT32",
  shape: [1, 16],
  ...extra,
});
const pair = [input("INPUT0"), input("INPUT1")];

/** [what, request (model simple unless named), status, exact message]. */
const CASES: [string, Record<string, unknown>, number, string][] = [
  [
    "wrong datatype",
    { inputs: [input("INPUT0", { datatype: "FP32" }), input("INPUT1")], raw: [row, row] },
    status.INVALID_ARGUMENT,
    "[request id: <id_unknown>] inference input 'INPUT0' data-type is 'FP32', but model " +
    "'simple' expects 'INT32'",
  ],
  [
    "missing input",
    { id: "7", inputs: [input("INPUT0")], raw: [row] },
    status.INVALID_ARGUMENT,
    "[request id: 7] expected 2 inputs but got 1 inputs for model 'simple'. Got inputs " +
    "['INPUT0'], but missing required inputs ['INPUT1']. Please provide all required inputs.",
  ],
  [
    "byte size",
    { inputs: pair, raw: [row, row.subarray(4)] },
    status.INVALID_ARGUMENT,
    "[request id: <id_unknown>] input byte size mismatch for input 'INPUT1' for model " +
    "'simple'. Expected 64, got 60",
  ],
  [
    "negative dimension",
    { inputs: [input("INPUT0", { shape: [1, -1] }), input("INPUT1")], raw: [row, row] },
    status.INVALID_ARGUMENT,
    "All input dimensions should be specified for input 'INPUT0' for model 'simple', got [1,-1]",
  ],
  [
    "contents mixed with raw",
    {
      inputs: [input("INPUT0", { contents: { int_contents: range16() } }), input("INPUT1")],
      raw: [row],
    },
    status.INVALID_ARGUMENT,
    "contents field must not be specified when using raw_input_contents for 'INPUT0' for " +
    "model 'simple'",
  ],
  [
    "extra raw entry",
    { inputs: pair, raw: [row, row, row] },
    status.INVALID_ARGUMENT,
    "expected 2 entries in raw_input_contents for model 'simple' (one per input without " +
    "contents), got 3",
  ],
  [
    "contents in the wrong field",
    {
      inputs: [
        input("INPUT0", { contents: { fp32_contents: range16() } }),
        input("INPUT1", { contents: { int_contents: range16() } }),
      ],
    },
    status.INVALID_ARGUMENT,
    "unexpected explicit tensor data for input 'INPUT0' for model 'simple': datatype INT32 is " +
    "carried in 'int_contents', got 'fp32_contents'",
  ],
  [
    "duplicate input",
    { inputs: [input("INPUT0"), input("INPUT0")], raw: [row, row] },
    status.INVALID_ARGUMENT,
    "input 'INPUT0' already exists in request",
  ],
  [
    "correlation id on a non-sequence model",
    { inputs: pair, raw: [row, row], parameters: { sequence_id: { int64_param: 5 } } },
    status.INVALID_ARGUMENT,
    "[request id: <id_unknown>] inference request to model 'simple' must not specify a " +
    "non-zero or non-empty correlation ID",
  ],
  [
    "sequence_id of the wrong type",
    { inputs: pair, raw: [row, row], parameters: { sequence_id: { bool_param: true } } },
    status.INVALID_ARGUMENT,
    "invalid value type for 'sequence_id' parameter, expected int64_param or string_param.",
  ],
  [
    "reserved parameter",
    { inputs: pair, raw: [row, row], parameters: { triton_x: { bool_param: true } } },
    status.INVALID_ARGUMENT,
    "parameter keys starting with 'triton_' are reserved for Triton usage and should not be " +
    "specified.",
  ],
  [
    "unknown output",
    { inputs: pair, raw: [row, row], outputs: [{ name: "OUTPUT9" }] },
    status.INVALID_ARGUMENT,
    "unexpected inference output 'OUTPUT9' for model 'simple'",
  ],
  [
    "batch too large",
    {
      inputs: [input("INPUT0", { shape: [9, 16] }), input("INPUT1", { shape: [9, 16] })],
      raw: [int32Bytes(new Array(144).fill(1)), int32Bytes(new Array(144).fill(1))],
    },
    status.INVALID_ARGUMENT,
    "[request id: <id_unknown>] inference request batch-size must be <= 8 for 'simple'",
  ],
];

Deno.test("gRPC strictness: each bad request gets INVALID_ARGUMENT and HTTP's message", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    for (const [what, c, code, message] of CASES) {
      const { raw, ...rest } = c;
      const request = { model_name: "simple", raw_input_contents: raw ?? [], ...rest };
      await assert.rejects(
        client.call("ModelInfer", request),
        (e: { code: number; details: string }) => {
          assert.equal(e.details, message, what);
          assert.equal(e.code, code, what);
          return true;
        },
      );
    }
    // Refused requests count as failures; nothing ran.
    const truth = server.groundTruth("simple");
    assert.equal(truth.successCount, 0);
    assert.equal(truth.executionCount, 0);
    const stats = await client.call<
      { model_stats: { inference_stats: { fail: { count: number } } }[] }
    >(
      "ModelStatistics",
      { name: "simple" },
    );
    assert.equal(stats.model_stats[0].inference_stats.fail.count, CASES.length);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC strictness: unknown model, decoupled on unary, decoupled over HTTP", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const expect = (code: number, details: string) => (e: { code: number; details: string }) => {
      assert.equal(e.code, code);
      assert.equal(e.details, details);
      return true;
    };
    await assert.rejects(
      client.call("ModelInfer", { model_name: "nope", inputs: pair }),
      expect(status.NOT_FOUND, "Request for unknown model: 'nope' is not found"),
    );
    const repeat = {
      model_name: "repeat_int32",
      inputs: [{ name: "IN", datatype: "INT32", shape: [2], contents: { int_contents: [4, 5] } }],
    };
    await assert.rejects(
      client.call("ModelInfer", repeat),
      expect(
        status.UNIMPLEMENTED,
        "ModelInfer RPC doesn't support models with decoupled transaction policy",
      ),
    );
    const res = await fetch(`http://${server.url}/v2/models/repeat_int32/infer`, {
      method: "POST",
      body: JSON.stringify({ inputs: [{ name: "IN", datatype: "INT32", shape: [1], data: [1] }] }),
    });
    assert.equal(res.status, 501);
    assert.deepEqual(await res.json(), {
      error: "HTTP end point doesn't support models with decoupled transaction policy",
    });
    // The front ends refused these before the model saw them: no statistics at all.
    assert.equal(server.groundTruth("repeat_int32").successCount, 0);
    const s = await client.call<
      { model_stats: { inference_stats: { fail: { count: number } } }[] }
    >(
      "ModelStatistics",
      { name: "repeat_int32" },
    );
    assert.equal(s.model_stats[0].inference_stats.fail.count, 0);
  } finally {
    client.close();
    await server.close();
  }
});
