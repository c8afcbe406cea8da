import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import { binaryBody, int32Blob, range16, simpleJson } from "../testing/helpers.ts";

const NO_ID = "[request id: <id_unknown>] ";
const NOTE = "NOTE: Setting a non-zero max_batch_size in the model config requires a batch " +
  "dimension to be prepended to each input shape. If you want to specify the full shape " +
  "including the batch dim in your input dims config, try setting max_batch_size to zero. " +
  "See the model configuration docs for more info on max_batch_size.";

interface Case {
  name: string;
  path?: string;
  body: unknown;
  headers?: Record<string, string>;
  status: number;
  error: string;
}

function input(name: string, datatype: string, shape: number[], data: unknown[]) {
  return { name, datatype, shape, data };
}

const A = range16();
const in0 = input("INPUT0", "INT32", [1, 16], A);
const in1 = input("INPUT1", "INT32", [1, 16], A);

function binary(sizes: [number, number], blobs: Uint8Array[], extraHeader?: string): Case["body"] {
  const header = {
    inputs: [
      {
        name: "INPUT0",
        datatype: "INT32",
        shape: [1, 16],
        parameters: { binary_data_size: sizes[0] },
      },
      {
        name: "INPUT1",
        datatype: "INT32",
        shape: [1, 16],
        parameters: { binary_data_size: sizes[1] },
      },
    ],
  };
  const { body, headerLength } = binaryBody(header, blobs);
  return { bytes: body, ihcl: extraHeader ?? String(headerLength) };
}

const B64 = int32Blob(A);

const CASES: Case[] = [
  {
    name: "unknown model",
    path: "nope",
    body: simpleJson(A, A),
    status: 404,
    error: "Request for unknown model: 'nope' is not found",
  },
  {
    name: "unknown version",
    path: "simple/versions/2",
    body: simpleJson(A, A),
    status: 404,
    error: "Request for unknown model: 'simple' version 2 is not found",
  },
  {
    name: "wrong datatype",
    body: { inputs: [input("INPUT0", "FP32", [1, 16], A), in1] },
    status: 400,
    error:
      `${NO_ID}inference input 'INPUT0' data-type is 'FP32', but model 'simple' expects 'INT32'`,
  },
  {
    name: "wrong dims",
    body: { inputs: [in0, input("INPUT1", "INT32", [1, 15], A.slice(1))] },
    status: 400,
    error:
      `${NO_ID}unexpected shape for input 'INPUT1' for model 'simple'. Expected [-1,16], got [1,15]. ${NOTE}`,
  },
  {
    name: "wrong rank",
    body: {
      inputs: [input("INPUT0", "INT32", [1, 16, 1], A), input("INPUT1", "INT32", [1, 16, 1], A)],
    },
    status: 400,
    error:
      `${NO_ID}unexpected shape for input 'INPUT0' for model 'simple'. Expected [-1,16], got [1,16,1]. ${NOTE}`,
  },
  {
    name: "batch over max_batch_size",
    body: simpleJson(A, A, 9),
    status: 400,
    error: `${NO_ID}inference request batch-size must be <= 8 for 'simple'`,
  },
  {
    name: "batch zero",
    body: {
      inputs: [input("INPUT0", "INT32", [0, 16], []), input("INPUT1", "INT32", [0, 16], [])],
    },
    status: 400,
    error: `${NO_ID}inference request batch-size must be >= 1 for 'simple'`,
  },
  {
    name: "too few JSON elements",
    body: { inputs: [input("INPUT0", "INT32", [1, 16], A.slice(1)), in1] },
    status: 400,
    error: "Unable to parse 'data': Shape does not match true shape of 'data' field",
  },
  {
    name: "too many JSON elements",
    body: { inputs: [input("INPUT0", "INT32", [1, 16], [...A, 1]), in1] },
    status: 400,
    error: "Unable to parse 'data': Shape does not match true shape of 'data' field",
  },
  {
    name: "binary_data_size not matching the shape",
    body: binary([60, 64], [B64.subarray(0, 60), B64]),
    status: 400,
    error:
      `${NO_ID}input byte size mismatch for input 'INPUT0' for model 'simple'. Expected 64, got 60`,
  },
  {
    name: "blobs overrunning the body",
    body: binary([64, 64], [B64, B64.subarray(0, 32)]),
    status: 400,
    error: "unexpected size for input 'INPUT1', expecting 32 additional bytes for model 'simple'",
  },
  {
    name: "bytes left after the last blob",
    body: binary([64, 64], [B64, B64, B64.subarray(0, 4)]),
    status: 400,
    error: "unexpected additional input data for model 'simple'",
  },
  {
    name: "negative Inference-Header-Content-Length",
    body: binary([64, 64], [B64, B64], "-1"),
    status: 400,
    error: "inference header size should be in range (0, BODY), got: -1",
  },
  {
    name: "Inference-Header-Content-Length beyond the body",
    body: binary([64, 64], [B64, B64], "100000"),
    status: 400,
    error: "inference header size should be in range (0, BODY), got: 100000",
  },
  {
    name: "raw binary body for a two-input model",
    body: binary([64, 64], [B64, B64], "0"),
    status: 400,
    error: "Raw request must only have 1 input (found 1) to be deduced but got 2 inputs in " +
      "'simple' model configuration",
  },
  {
    name: "sequence_id on a model without sequence batching",
    body: { ...simpleJson(A, A), parameters: { sequence_id: 42 } },
    status: 400,
    error: `${NO_ID}inference request to model 'simple' must not specify a non-zero or ` +
      "non-empty correlation ID",
  },
  {
    name: "missing input",
    body: { inputs: [in0] },
    status: 400,
    error:
      `${NO_ID}expected 2 inputs but got 1 inputs for model 'simple'. Got inputs ['INPUT0'], ` +
      "but missing required inputs ['INPUT1']. Please provide all required inputs.",
  },
  {
    name: "unknown input",
    body: { inputs: [in0, in1, input("INPUT9", "INT32", [1, 16], A)] },
    status: 400,
    error: "unexpected inference input 'INPUT9' for model 'simple'",
  },
  {
    name: "unknown output",
    body: { ...simpleJson(A, A), outputs: [{ name: "OUTPUT9" }] },
    status: 400,
    error: "unexpected inference output 'OUTPUT9' for model 'simple'",
  },
  {
    name: "malformed JSON",
    body: new TextEncoder().encode('{"inputs": ['),
    status: 400,
    error: "failed to parse the request JSON buffer: ",
  },
  {
    name: "FP16 as JSON",
    body: { inputs: [input("INPUT0", "FP16", [1, 16], A), in1] },
    status: 400,
    error:
      "receiving FP16 data via JSON is not supported. Please use the binary data format for input INPUT0",
  },
  {
    name: "BF16 as JSON",
    body: { inputs: [in0, input("INPUT1", "BF16", [1, 16], A)] },
    status: 400,
    error:
      "receiving BF16 data via JSON is not supported. Please use the binary data format for input INPUT1",
  },
  {
    name: "request id in the prefix",
    body: { id: "abc", inputs: [in0] },
    status: 400,
    error: "[request id: abc] expected 2 inputs but got 1 inputs for model 'simple'. Got inputs " +
      "['INPUT0'], but missing required inputs ['INPUT1']. Please provide all required inputs.",
  },
  {
    name: "both data and binary_data_size",
    body: { inputs: [{ ...in0, parameters: { binary_data_size: 64 } }, in1] },
    status: 400,
    error: "Input must set only one of the following fields: 'data', 'binary_data_size' in " +
      "'parameters', 'shared_memory_region' in 'parameters'. But set 'data' 'binary_data_size'",
  },
  {
    name: "reserved triton_ parameter",
    body: { ...simpleJson(A, A), parameters: { triton_x: 1 } },
    status: 400,
    error:
      "parameter keys starting with 'triton_' are reserved for Triton usage and should not be specified.",
  },
  {
    name: "non-numeric string for simple_string",
    path: "simple_string",
    body: {
      inputs: [
        input("INPUT0", "BYTES", [1, 16], A.map(String)),
        input("INPUT1", "BYTES", [1, 16], A.map((x) => (x === 2 ? "abc" : String(x)))),
      ],
    },
    status: 400,
    error:
      "unable to parse input 'INPUT1' element 2 for model 'simple_string': expected a decimal INT32 string, got \"abc\"",
  },
];

async function send(url: string, c: Case): Promise<{ status: number; error: string; ct: string }> {
  const raw = c.body as { bytes?: Uint8Array; ihcl?: string };
  const headers: Record<string, string> = {};
  let body: Uint8Array;
  if (raw.bytes !== undefined) {
    body = raw.bytes;
    headers["inference-header-content-length"] = raw.ihcl!;
  } else {body = c.body instanceof Uint8Array
      ? c.body
      : new TextEncoder().encode(JSON.stringify(c.body));}
  const res = await fetch(`http://${url}/v2/models/${c.path ?? "simple"}/infer`, {
    method: "POST",
    headers,
    body: body as Uint8Array<ArrayBuffer>,
  });
  const json = await res.json();
  c.error = c.error.replace("BODY", String(body.length));
  return { status: res.status, error: json.error, ct: res.headers.get("content-type") ?? "" };
}

Deno.test("invalid infer requests get Triton's status and message, and count as failures", async (t) => {
  const server = await startServer();
  try {
    for (const c of CASES) {
      await t.step(c.name, async () => {
        const got = await send(server.url, c);
        assert.equal(got.status, c.status);
        assert.equal(got.ct, "application/json");
        if (c.name === "malformed JSON") assert.ok(got.error.startsWith(c.error), got.error);
        else assert.equal(got.error, c.error);
      });
    }
    const onSimple = CASES.filter((c) => c.path === undefined).length;
    const truth = server.groundTruth("simple");
    assert.equal(server.groundTruth("simple").successCount, 0);
    const stats = await (await fetch(`http://${server.url}/v2/models/simple/stats`)).json();
    assert.equal(stats.model_stats[0].inference_stats.fail.count, onSimple);
    assert.equal(truth.executionCount, 0);
    // simple_string failed inside its execution: a failure, not an execution.
    const str = await (await fetch(`http://${server.url}/v2/models/simple_string/stats`)).json();
    assert.equal(str.model_stats[0].inference_stats.fail.count, 1);
    assert.equal(str.model_stats[0].inference_stats.compute_infer.count, 0);
    assert.equal(str.model_stats[0].execution_count, 0);
  } finally {
    await server.close();
  }
});

Deno.test("unmatched paths 404 and wrong methods 405 with Triton's bodies", async () => {
  const server = await startServer();
  const base = `http://${server.url}`;
  const cases: [string, string, number, string | undefined][] = [
    ["GET", "/v3", 404, "Not Found"],
    ["GET", "/v2/", 404, "Not Found"],
    ["GET", "/v2/models/simple/bogus", 404, "Not Found"],
    ["GET", "/v2/models/simple/versions/x", 404, "Not Found"],
    ["GET", "/v2/models/simple/infer", 405, "Method Not Allowed"],
    ["POST", "/v2", 405, "Method Not Allowed"],
    ["POST", "/v2/health/live", 405, "Method Not Allowed"],
    ["DELETE", "/v2/models/simple", 405, "Method Not Allowed"],
    ["GET", "/v2/models/nope", 404, "Request for unknown model: 'nope' is not found"],
    ["GET", "/v2/models/nope/config", 404, "Request for unknown model: 'nope' is not found"],
    ["GET", "/v2/models/nope/ready", 400, "Model version not ready"],
    ["GET", "/v2/models/nope/stats", 400, "requested model 'nope' is not available"],
    ["GET", "/v2/health/live", 200, undefined],
    ["GET", "/v2/health/ready", 200, undefined],
    ["GET", "/v2/models/simple/versions/1/ready", 200, undefined],
  ];
  try {
    for (const [method, path, status, error] of cases) {
      const res = await fetch(base + path, { method });
      const text = await res.text();
      assert.equal(res.status, status, `${method} ${path}`);
      if (error === undefined) assert.equal(text, "", `${method} ${path} is status-only`);
      else assert.deepEqual(JSON.parse(text), { error }, `${method} ${path}`);
    }
  } finally {
    await server.close();
  }
});
