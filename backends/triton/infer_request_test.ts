import assert from "node:assert/strict";
import type { RequestSpec } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { encodeInferRequest, type InferEncoding } from "./infer_request.ts";
import { ShmLayout } from "./shm_regions.ts";
import { encodeControlRequest } from "../net/http_request.ts";
import { tensorFromJson } from "../../core/data/tensor_codec.ts";

const dec = new TextDecoder();
const ZERO_TO_15 = Array.from({ length: 16 }, (_, i) => i);

function spec(outputs: string[] = ["OUTPUT0", "OUTPUT1"]): RequestSpec {
  return {
    model: "simple",
    version: "1",
    inputs: [
      {
        name: "INPUT0",
        datatype: "INT32",
        shape: [1, 16],
        bytes: tensorFromJson("INT32", ZERO_TO_15),
      },
      { name: "INPUT1", datatype: "BYTES", shape: [1, 1], bytes: tensorFromJson("BYTES", ["hi"]) },
    ],
    outputs,
    batchSize: 1,
  };
}

function encoding(over: Partial<InferEncoding> = {}): InferEncoding {
  return {
    path: "/v2/models/simple/versions/1/infer",
    hostHeader: "localhost:8000",
    headers: [["Authorization", "Bearer t"], ["Content-Length", "1"]],
    inputFormat: "binary",
    outputFormat: "binary",
    ...over,
  };
}

function split(bytes: Uint8Array): { head: string; body: Uint8Array } {
  const text = new TextDecoder("latin1").decode(bytes);
  const at = text.indexOf("\r\n\r\n") + 4;
  return { head: text.slice(0, at), body: bytes.subarray(at) };
}

Deno.test("binary request is byte-exact: head, JSON header, blobs in input order", () => {
  const s = spec();
  const prepared = encodeInferRequest(s, encoding());
  const json = '{"inputs":[' +
    '{"name":"INPUT0","shape":[1,16],"datatype":"INT32","parameters":{"binary_data_size":64}},' +
    '{"name":"INPUT1","shape":[1,1],"datatype":"BYTES","parameters":{"binary_data_size":6}}],' +
    '"outputs":[{"name":"OUTPUT0","parameters":{"binary_data":true}},' +
    '{"name":"OUTPUT1","parameters":{"binary_data":true}}]}';
  const bodyLength = json.length + 64 + 6;
  const head = "POST /v2/models/simple/versions/1/infer HTTP/1.1\r\n" +
    "Host: localhost:8000\r\nContent-Type: application/octet-stream\r\n" +
    `Content-Length: ${bodyLength}\r\nInference-Header-Content-Length: ${json.length}\r\n` +
    "Connection: keep-alive\r\nAuthorization: Bearer t\r\n\r\n";
  const expected = new Uint8Array([
    ...new TextEncoder().encode(head + json),
    ...s.inputs[0].bytes,
    ...s.inputs[1].bytes,
  ]);
  assert.equal(dec.decode(prepared.bytes.subarray(0, head.length + json.length)), head + json);
  assert.deepEqual(prepared.bytes, expected);
  assert.equal(prepared.jsonHeaderLength, json.length);
});

Deno.test("JSON request carries data arrays and the whole body is the JSON header", () => {
  const prepared = encodeInferRequest(
    spec(["OUTPUT1"]),
    encoding({
      inputFormat: "json",
      outputFormat: "json",
      headers: [],
    }),
  );
  const { head, body } = split(prepared.bytes);
  assert.match(head, /\r\nContent-Type: application\/json\r\n/);
  assert.match(head, new RegExp(`\r\nContent-Length: ${body.length}\r\n`));
  assert.match(head, new RegExp(`\r\nInference-Header-Content-Length: ${body.length}\r\n`));
  assert.deepEqual(JSON.parse(dec.decode(body)), {
    inputs: [
      { name: "INPUT0", shape: [1, 16], datatype: "INT32", data: ZERO_TO_15 },
      { name: "INPUT1", shape: [1, 1], datatype: "BYTES", data: ["hi"] },
    ],
    outputs: [{ name: "OUTPUT1", parameters: { binary_data: false } }],
  });
});

Deno.test("unknown outputs fall back to binary_data_output; user Host overrides ours", () => {
  const prepared = encodeInferRequest(
    spec([]),
    encoding({
      headers: [["host", "proxy.example"]],
    }),
  );
  const { head, body } = split(prepared.bytes);
  assert.match(head, /\r\nhost: proxy.example\r\n/);
  assert.doesNotMatch(head, /Host: localhost/);
  const jsonLength = Number(/Inference-Header-Content-Length: (\d+)/.exec(head)![1]);
  const header = JSON.parse(dec.decode(body.subarray(0, jsonLength)));
  assert.deepEqual(header.parameters, { binary_data_output: true });
  assert.equal(header.outputs, undefined);
});

Deno.test("FP16 input in JSON format is refused with advice", () => {
  const s: RequestSpec = {
    model: "m",
    version: "",
    inputs: [{ name: "X", datatype: "FP16", shape: [1], bytes: new Uint8Array(2) }],
    outputs: [],
    batchSize: 1,
  };
  assert.throws(
    () => encodeInferRequest(s, encoding({ inputFormat: "json" })),
    (e) => e instanceof RunError && /--input-tensor-format binary/.test(e.message),
  );
});

Deno.test("header injection through -H is refused", () => {
  assert.throws(
    () => encodeInferRequest(spec(), encoding({ headers: [["X", "a\r\nB: c"]] })),
    RunError,
  );
});

Deno.test("control GET request carries Host and -H headers", () => {
  const text = dec.decode(encodeControlRequest("/v2/models/m/config", "h:1", [["X-Key", "v"]]));
  assert.equal(
    text,
    "GET /v2/models/m/config HTTP/1.1\r\nHost: h:1\r\nAccept: application/json\r\n" +
      "Connection: keep-alive\r\nX-Key: v\r\n\r\n",
  );
});

Deno.test("--request-parameter values join the request-level parameters in every JSON form", () => {
  const parameters = [{ name: "tag", value: 'a"b' }, { name: "n", value: -3 }, {
    name: "on",
    value: true,
  }];
  const custom = '"tag":"a\\"b","n":-3,"on":true';
  const header = (s: RequestSpec, over: Partial<InferEncoding>) => {
    const prepared = encodeInferRequest(s, encoding({ parameters, ...over }));
    const { body } = split(prepared.bytes);
    return JSON.parse(dec.decode(body.subarray(0, prepared.jsonHeaderLength)));
  };
  const named = header(spec(), {});
  assert.deepEqual(named.parameters, { tag: 'a"b', n: -3, on: true });
  // Outputs unknown: binary_data_output stays last, after the sequence keys and the custom ones.
  const sequence = { ...spec([]), sequence: { id: 9, start: true, end: false } };
  const prepared = encodeInferRequest(sequence, encoding({ parameters, outputFormat: "json" }));
  assert.ok(
    dec.decode(prepared.bytes).includes(
      `"parameters":{"sequence_id":9,"sequence_start":true,"sequence_end":false,${custom},` +
        '"binary_data_output":false}',
    ),
  );
  const windows = [{ offset: 0, byteSize: 64 }, { offset: 64, byteSize: 6 }];
  const layout = new ShmLayout("r", "/dev/shm/r", 70, windows, new Map());
  const shm = header(spec(), { shm: layout });
  assert.deepEqual(shm.parameters, { tag: 'a"b', n: -3, on: true });
});
