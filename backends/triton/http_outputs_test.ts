import assert from "node:assert/strict";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { type OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import { tensorFromJson } from "../../core/data/tensor_codec.ts";
import type { HttpResponse } from "../../wire/http1/connection.ts";
import { captureHttpOutputs, decodeHttpOutputs } from "./http_outputs.ts";
import { ResponseHead } from "../../wire/http1/parse.ts";
import { OutputDecodeError } from "../shared/output_tensor.ts";

const enc = new TextEncoder();

/** A response as the connection hands it over: the body inside a larger buffer. */
function response(header: unknown, blobs: Uint8Array[] = [], binary = blobs.length > 0) {
  const json = enc.encode(typeof header === "string" ? header : JSON.stringify(header));
  const body = [json, ...blobs];
  const size = body.reduce((n, b) => n + b.length, 0);
  const buf = new Uint8Array(7 + size + 5).fill(0xee);
  let at = 7;
  for (const b of body) {
    buf.set(b, at);
    at += b.length;
  }
  const head = new ResponseHead();
  head.status = 200;
  head.inferHeaderLength = binary ? json.length : -1;
  const res: HttpResponse = { head, buf, bodyStart: 7, bodyEnd: 7 + size };
  return res;
}

function decoded(res: HttpResponse): OutputTensor[] {
  const out: OutputTensor[] = [];
  decodeHttpOutputs(res, out);
  return out;
}

function problem(res: HttpResponse): string {
  try {
    decodeHttpOutputs(res, []);
  } catch (e) {
    assert.ok(e instanceof OutputDecodeError, String(e));
    return e.message;
  }
  assert.fail("decoded without a problem");
}

const SUM = tensorFromJson("INT32", [1, 2, 3, -4]);
const TEXT = encodeStringElements(["12", "-7"]);

function binaryOutput(name: string, datatype: string, shape: number[], size: number) {
  return { name, datatype, shape, parameters: { binary_data_size: size } };
}

Deno.test("binary outputs take their bytes after the JSON header, in order, as copies", () => {
  const res = response({
    model_name: "simple",
    outputs: [
      binaryOutput("OUTPUT0", "INT32", [1, 4], SUM.length),
      binaryOutput("TEXT", "BYTES", [2], TEXT.length),
    ],
  }, [SUM, TEXT]);
  const out = decoded(res);
  assert.deepEqual(out, [
    { name: "OUTPUT0", datatype: "INT32", shape: [1, 4], bytes: SUM },
    { name: "TEXT", datatype: "BYTES", shape: [2], bytes: TEXT },
  ]);
  res.buf.fill(0);
  assert.deepEqual(out[0].bytes, SUM, "the tensor does not view the connection's buffer");
});

Deno.test("JSON data becomes wire bytes; 64-bit integers beyond 2^53 stay exact", () => {
  const header = '{"outputs":[' +
    '{"name":"A","datatype":"INT32","shape":[2,2],"data":[[1,2],[3,-4]]},' +
    '{"name":"B","datatype":"UINT64","shape":[2],"data":[18446744073709551615,9007199254740993]},' +
    '{"name":"C","datatype":"FP64","shape":[2],"data":[100000000000000000000,0.5]},' +
    '{"name":"D","datatype":"BYTES","shape":[2],"data":["12","-7"]},' +
    '{"name":"E","datatype":"BOOL","shape":[1],"data":[true]}]}';
  const out = decoded(response(header));
  assert.deepEqual(out.map((t) => t.bytes), [
    tensorFromJson("INT32", [1, 2, 3, -4]),
    tensorFromJson("UINT64", [18446744073709551615n, 9007199254740993n]),
    tensorFromJson("FP64", [1e20, 0.5]),
    TEXT,
    Uint8Array.of(1),
  ]);
});

Deno.test("binary and JSON outputs mix; a response without outputs gives none", () => {
  const out = decoded(response({
    outputs: [
      { name: "J", datatype: "INT32", shape: [1], data: [5] },
      binaryOutput("B", "INT32", [1, 4], 16),
    ],
  }, [SUM]));
  assert.deepEqual(out.map((t) => [t.name, [...t.bytes]]), [
    ["J", [5, 0, 0, 0]],
    ["B", [...SUM]],
  ]);
  assert.deepEqual(decoded(response({ model_name: "m" })), []);
});

Deno.test("undecodable outputs are described precisely", () => {
  const sum = binaryOutput("OUTPUT0", "INT32", [1, 4], 16);
  assert.equal(
    problem(response({ outputs: [{ ...sum, parameters: { binary_data_size: 20 } }] }, [SUM])),
    "output 'OUTPUT0': binary_data_size 20 exceeds the 16 bytes of binary data left in the response",
  );
  assert.equal(
    problem(response({ outputs: [sum] }, [SUM, Uint8Array.of(1, 2)])),
    "the inference response has 2 bytes of binary data after its last output",
  );
  assert.equal(
    problem(response({ outputs: [{ ...sum, shape: [1, 3] }] }, [SUM])),
    "output 'OUTPUT0': 16 bytes of INT32 data for shape [1,3], which needs 12",
  );
  assert.equal(
    problem(response({ outputs: [{ name: "T", datatype: "BYTES", shape: [3], data: ["a"] }] })),
    "output 'T': 1 BYTES elements for shape [3], which needs 3",
  );
  assert.equal(
    problem(response({ outputs: [{ name: "X", datatype: "INT8", shape: [1], data: [300] }] })),
    "output 'X': invalid INT8 value in tensor data: 300",
  );
  assert.equal(
    problem(response({ outputs: [{ name: "X", datatype: "INT8", shape: [1] }] })),
    "output 'X' has neither data nor binary_data_size",
  );
  assert.equal(
    problem(response({ outputs: [{ datatype: "INT8" }] })),
    "inference response output #0 has no name",
  );
  assert.equal(
    problem(response({ outputs: {} })),
    "the inference response's 'outputs' is not a list",
  );
  assert.match(problem(response('{"outputs": [')), /^the inference response header is not JSON: /);
  assert.equal(problem(response("[]")), "the inference response header is not a JSON object");
  const cut = response({ outputs: [] }, [SUM]);
  cut.head.inferHeaderLength = 1000;
  assert.equal(
    problem(cut),
    `Inference-Header-Content-Length 1000 exceeds the body (${cut.bodyEnd - cut.bodyStart} bytes)`,
  );
});

Deno.test("capture fills the record, or fails it as a protocol error at its end time", () => {
  const rec = new RequestRecord();
  rec.endNs = 42;
  captureHttpOutputs(response({ outputs: [binaryOutput("S", "INT32", [4], 16)] }, [SUM]), rec);
  assert.equal(rec.outcome, "ok");
  assert.deepEqual(rec.outputs.map((t) => t.name), ["S"]);
  rec.reset(0);
  rec.endNs = 43;
  const good = { name: "A", datatype: "INT32", shape: [1], data: [1] };
  captureHttpOutputs(response({ outputs: [good, { ...good, name: "B", data: [] }] }), rec);
  assert.equal(rec.outcome, "protocol_error");
  assert.equal(rec.error, "output 'B': 0 bytes of INT32 data for shape [1], which needs 4");
  assert.equal(rec.endNs, 43);
  assert.deepEqual(rec.outputs, [], "partial outputs are dropped");
});
