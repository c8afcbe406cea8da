import assert from "node:assert/strict";
import type { ModelInfo } from "./backend.ts";
import { parseJsonData } from "./data_json.ts";
import { RunError } from "./errors.ts";

const MODEL: ModelInfo = {
  name: "m",
  version: "1",
  platform: "",
  inputs: [
    { name: "A", datatype: "INT32", shape: [2] },
    { name: "S", datatype: "BYTES", shape: [-1] },
    { name: "F", datatype: "FP32", shape: [-1], optional: true },
  ],
  outputs: [{ name: "OUT", datatype: "INT32", shape: [2] }],
  maxBatchSize: 8,
  sequence: false,
  decoupled: false,
  dynamicBatching: false,
  responseCache: false,
  notes: [],
};

const parse = (doc: unknown, shapes = new Map<string, number[]>()) =>
  parseJsonData(typeof doc === "string" ? doc : JSON.stringify(doc), "d.json", MODEL, shapes);

function error(doc: unknown, shapes?: Map<string, number[]>): string {
  try {
    parse(doc, shapes);
  } catch (e) {
    assert.ok(e instanceof RunError, String(e));
    return e.message;
  }
  throw new Error("expected an error");
}

const int32 = (...v: number[]) => [...new Uint8Array(Int32Array.from(v).buffer)];
const framed = (...s: string[]) =>
  s.flatMap((x) => {
    const b = [...new TextEncoder().encode(x)];
    return [b.length, 0, 0, 0, ...b];
  });

Deno.test("flat list: arrays, b64 and content+shape become batch-1 wire tensors", () => {
  const b64 = Uint8Array.from(int32(7, 8)).toBase64();
  const data = parse({
    data: [
      { A: [1, 2], S: ["hi", 5] },
      { A: { b64 }, S: { content: ["x"], shape: [1] }, F: [1.5], timestamp: [30] },
    ],
  });
  assert.equal(data.streams.length, 1);
  const [first, second] = data.streams[0];
  assert.deepEqual([...first.inputs.get("A")!.bytes], int32(1, 2));
  assert.deepEqual(first.inputs.get("S")!.shape, [2], "one variable dim is inferred");
  assert.deepEqual([...first.inputs.get("S")!.bytes], framed("hi", "5"));
  assert.equal(first.inputs.has("F"), false);
  assert.deepEqual([...second.inputs.get("A")!.bytes], int32(7, 8));
  assert.equal(second.timestampMs, 30);
  assert.deepEqual([...second.inputs.get("F")!.bytes], [
    ...new Uint8Array(Float32Array.of(1.5).buffer),
  ]);
  assert.equal(data.validation, false);
});

Deno.test("streams, validation_data and NaN/Infinity literals outside strings", () => {
  const text = '{"data": [[{"A": [1, 2], "S": ["NaN"], "F": [NaN, -Infinity]}], ' +
    '[{"A": [3, 4], "S": ["Infinity"]}, {"A": [5, 6], "S": ["b"]}]], ' +
    '"validation_data": [[{"OUT": [1, 1]}], [{}, {"OUT": [2, 2]}]]}';
  const data = parse(text);
  assert.deepEqual(data.streams.map((s) => s.length), [1, 2]);
  const f = new Float32Array(data.streams[0][0].inputs.get("F")!.bytes.slice().buffer);
  assert.ok(Number.isNaN(f[0]));
  assert.equal(f[1], -Infinity);
  assert.deepEqual([...data.streams[0][0].inputs.get("S")!.bytes], framed("NaN"));
  assert.deepEqual([...data.streams[1][1].expected.get("OUT")!.bytes], int32(2, 2));
  assert.equal(data.streams[1][0].expected.size, 0);
  assert.equal(data.validation, true);
});

Deno.test("every malformed form is one line naming file, place, tensor and problem", () => {
  const ok = { A: [1, 2], S: ["s"] };
  const cases: [unknown, string][] = [
    [{ data: [{ S: ["s"] }] }, "d.json: missing tensor A ( Location stream id: 0, step id: 0)"],
    [
      { data: [{ ...ok, B: [1] }] },
      "d.json: entry 0: The input or output 'B' is not found in the model configuration",
    ],
    [
      { data: [ok, { A: [1, 2, 3], S: ["s"] }] },
      "d.json: entry 1, tensor 'A': 3 elements for shape [2], which needs 2",
    ],
    [
      { data: [{ A: { b64: "AAAA" }, S: ["s"] }] },
      "d.json: entry 0, tensor 'A': mismatch in the data provided for A. Expected: 8 bytes, Got: 3 bytes",
    ],
    [
      { data: [{ A: { b64: "!!" }, S: ["s"] }] },
      "d.json: entry 0, tensor 'A': bad base64 in \"b64\"",
    ],
    [
      { data: [{ A: { shape: [2] }, S: ["s"] }] },
      'd.json: entry 0, tensor \'A\': "content" is missing beside "shape"',
    ],
    [
      { data: [{ A: { content: [1, 2, 3], shape: [3] }, S: ["s"] }] },
      "d.json: entry 0, tensor 'A': shape [3] does not match the model's dims [2]",
    ],
    [
      { data: [ok, [ok]] },
      'd.json: Inconsistency in input-data provided. Can not have a combination of objects and arrays inside of the "data" list',
    ],
    [
      { data: [ok], validation_data: [ok, ok] },
      "d.json: The 'validation_data' field doesn't align with 'data' field in the json file",
    ],
    [
      '{"data": [\n {"A": [1,,2]}]}',
      "d.json: invalid JSON at line 2, column 11: Unexpected token ','",
    ],
    [{ rows: [] }, 'd.json: expected a JSON object with a "data" list'],
  ];
  for (const [doc, want] of cases) {
    const got = error(doc);
    assert.ok(got.startsWith(want), `got:  ${got}\nwant: ${want}`);
    assert.equal(got.includes("\n"), false, got);
  }
  assert.match(error({ data: [{ A: ["x", 1], S: ["s"] }] }), /^d\.json: entry 0, tensor 'A': /);
  assert.match(error({ data: [{ A: [1.5, 1], S: ["s"] }] }), /^d\.json: entry 0, tensor 'A': /);
  assert.match(
    error({ data: [[{ A: [1, 2], S: ["s"] }, { A: [1], S: ["s"] }]] }),
    /^d\.json: stream 0 step 1, tensor 'A': 1 elements/,
  );
});

Deno.test("--shape gives a variable dim its size, and content shape overrides it", () => {
  const shapes = new Map([["S", [2]]]);
  const data = parse({ data: [{ A: [1, 2], S: ["a", "b"] }] }, shapes);
  assert.deepEqual(data.streams[0][0].inputs.get("S")!.shape, [2]);
  const over = parse({ data: [{ A: [1, 2], S: { content: ["a"], shape: [1] } }] }, shapes);
  assert.deepEqual(over.streams[0][0].inputs.get("S")!.shape, [1]);
  assert.match(
    error({ data: [{ A: [1, 2], S: ["a"] }] }, shapes),
    /tensor 'S': 1 string elements for shape \[2\], which needs 2/,
  );
});
