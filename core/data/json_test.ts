import assert from "node:assert/strict";
import type { ModelInfo } from "../backend.ts";
import { modelInfo } from "../testing/model_info.ts";
import { parseJsonData } from "./json.ts";
import { RunError } from "../errors.ts";
import { numberToHalf } from "../../wire/kserve/half_float.ts";

const MODEL: ModelInfo = modelInfo({
  name: "m",
  inputs: [
    { name: "A", datatype: "INT32", shape: [2] },
    { name: "S", datatype: "BYTES", shape: [-1] },
    { name: "F", datatype: "FP32", shape: [-1], optional: true },
    { name: "L", datatype: "INT64", shape: [2], optional: true },
    { name: "H", datatype: "FP16", shape: [1], optional: true },
    { name: "Q", datatype: "BOOL", shape: [-1, -1], optional: true },
  ],
  outputs: [
    { name: "OUT", datatype: "INT32", shape: [2] },
    { name: "V", datatype: "FP32", shape: [-1, 2] },
  ],
});

const parse = (doc: unknown, shapes = new Map<string, number[]>()) =>
  parseJsonData(typeof doc === "string" ? doc : JSON.stringify(doc), "d.json", MODEL, shapes);

function error(doc: unknown, shapes?: Map<string, number[]>): string {
  try {
    parse(doc, shapes);
  } catch (e) {
    assert.ok(e instanceof RunError, String(e));
    assert.equal(e.message.includes("\n"), false, "one line");
    return e.message;
  }
  throw new Error("expected an error");
}

const bytes = (a: ArrayBufferView) => [...new Uint8Array(a.buffer, a.byteOffset, a.byteLength)];
const int32 = (...v: number[]) => bytes(Int32Array.from(v));
const fp32 = (...v: number[]) => bytes(Float32Array.from(v));
const framed = (...s: string[]) =>
  s.flatMap((x) => {
    const b = [...new TextEncoder().encode(x)];
    return [b.length, 0, 0, 0, ...b];
  });
const b64 = (b: number[]) => Uint8Array.from(b).toBase64();
const OK = { A: [1, 2], S: ["s"] };

Deno.test("flat list: arrays, nested arrays, b64 and content+shape become wire tensors", () => {
  const data = parse({
    data: [
      { A: [1, 2], S: ["hi", 5, 1.5], model: "m", F: [[0.5], [2]] },
      {
        A: { b64: b64(int32(7, -8)) },
        S: { content: { b64: b64(framed("x", "")) }, shape: [2] },
        L: ["9007199254740993", -1],
        H: [1.5],
        Q: { content: [true, false, 1, 0, true, true], shape: [3, 2] },
        timestamp: [30.5],
      },
    ],
  });
  assert.equal(data.streams.length, 1);
  assert.equal(data.validation, false);
  const [first, second] = data.streams[0];
  assert.deepEqual(first.inputs.get("A"), {
    datatype: "INT32",
    shape: [2],
    bytes: new Uint8Array(int32(1, 2)),
  });
  assert.deepEqual(first.inputs.get("S")!.shape, [3], "the one -1 is the element count");
  assert.deepEqual([...first.inputs.get("S")!.bytes], framed("hi", "5", "1.5"));
  assert.deepEqual([...first.inputs.get("F")!.bytes], fp32(0.5, 2));
  assert.deepEqual([...first.inputs.keys()], ["A", "S", "F"], "absent optional inputs stay absent");
  assert.equal(first.timestampMs, undefined);
  assert.deepEqual([...second.inputs.get("A")!.bytes], int32(7, -8));
  assert.deepEqual(second.inputs.get("S")!.shape, [2]);
  assert.deepEqual([...second.inputs.get("S")!.bytes], framed("x", ""));
  assert.deepEqual(
    [...second.inputs.get("L")!.bytes],
    bytes(BigInt64Array.of(9007199254740993n, -1n)),
  );
  assert.deepEqual([...second.inputs.get("H")!.bytes], bytes(Uint16Array.of(numberToHalf(1.5))));
  assert.deepEqual(second.inputs.get("Q"), {
    datatype: "BOOL",
    shape: [3, 2],
    bytes: Uint8Array.of(1, 0, 1, 0, 1, 1),
  });
  assert.equal(second.timestampMs, 30.5);
});

Deno.test("streams (list of lists) with validation_data of the same layout", () => {
  const data = parse({
    data: [[OK], [{ A: [3, 4], S: ["b"], timestamp: 7 }, OK]],
    validation_data: [[{ OUT: [1, 1] }], [{}, { OUT: [2, 2], V: [0.5, 1, 2, 3] }]],
  });
  assert.deepEqual(data.streams.map((s) => s.length), [1, 2]);
  assert.equal(data.validation, true);
  assert.deepEqual([...data.streams[1][0].inputs.get("A")!.bytes], int32(3, 4));
  assert.equal(data.streams[1][0].timestampMs, 7);
  assert.deepEqual([...data.streams[0][0].expected.get("OUT")!.bytes], int32(1, 1));
  assert.equal(data.streams[1][0].expected.size, 0);
  assert.deepEqual(data.streams[1][1].expected.get("V"), {
    datatype: "FP32",
    shape: [2, 2],
    bytes: new Uint8Array(fp32(0.5, 1, 2, 3)),
  });
  const empty = parse({ data: [OK], validation_data: [{}] });
  assert.equal(empty.validation, false, "validation_data without outputs checks nothing");
});

Deno.test("NaN/Infinity literals: numbers in float tensors, text in strings and BYTES", () => {
  const data = parse(
    '{"data": [{"A": [1, 2], "S": ["NaN", "-Infinity", NaN, Infinity], ' +
      '"F": [NaN, -Infinity, Infinity]}]}',
  );
  const step = data.streams[0][0];
  const f = new Float32Array(step.inputs.get("F")!.bytes.slice().buffer);
  assert.ok(Number.isNaN(f[0]));
  assert.deepEqual([f[1], f[2]], [-Infinity, Infinity]);
  assert.deepEqual([...step.inputs.get("S")!.bytes], framed("NaN", "-Infinity", "NaN", "Infinity"));
  const big = parse(
    '{"data": [{"A": [1, 2], "S": [12345678901234567890], "F": [12345678901234567890]}]}',
  );
  assert.deepEqual([...big.streams[0][0].inputs.get("S")!.bytes], framed("12345678901234567890"));
  assert.deepEqual([...big.streams[0][0].inputs.get("F")!.bytes], fp32(12345678901234567890));
  const exact = parse('{"data": [{"A": [1, 2], "S": ["s"], "L": [9223372036854775807, 1]}]}');
  assert.deepEqual(
    [...exact.streams[0][0].inputs.get("L")!.bytes],
    bytes(BigInt64Array.of(9223372036854775807n, 1n)),
  );
});

Deno.test("--shape sizes a variable dim; a value's own shape overrides it", () => {
  const shapes = new Map([["S", [2]], ["Q", [1, 2]]]);
  const data = parse({ data: [{ A: [1, 2], S: ["a", "b"], Q: [true, false] }] }, shapes);
  assert.deepEqual(data.streams[0][0].inputs.get("S")!.shape, [2]);
  assert.deepEqual(data.streams[0][0].inputs.get("Q")!.shape, [1, 2]);
  const over = parse({ data: [{ A: [1, 2], S: { content: ["a"], shape: [1] } }] }, shapes);
  assert.deepEqual(over.streams[0][0].inputs.get("S")!.shape, [1]);
  assert.equal(
    error({ data: [{ A: [1, 2], S: ["a"] }] }, shapes),
    "d.json: entry 0, tensor 'S': mismatch in the data provided for S. Expected: 2 elements, " +
      "Got: 1 elements (shape [2])",
  );
  assert.equal(
    error({ data: [{ ...OK, Q: [true, false] }] }),
    "d.json: entry 0, tensor 'Q': input Q contains dynamic shape, provide shapes to send along " +
      "with the request (--shape Q:N,N)",
  );
});

Deno.test("every malformed step is one line naming file, place, tensor and problem", () => {
  const cases: [unknown, string][] = [
    [{ data: [{ S: ["s"] }] }, "d.json: missing tensor A ( Location stream id: 0, step id: 0)"],
    [
      { data: [[OK], [OK, { A: [1, 2] }]] },
      "d.json: missing tensor S ( Location stream id: 1, step id: 1)",
    ],
    [
      { data: [{ ...OK, B: [1] }] },
      "d.json: entry 0: The input or output 'B' is not found in the model configuration",
    ],
    [
      { data: [{ ...OK, "B\n": [1] }] },
      "d.json: entry 0: The input or output 'B\\n' is not found in the model configuration",
    ],
    [
      { data: [OK, { A: [1, 2, 3], S: ["s"] }] },
      "d.json: entry 1, tensor 'A': mismatch in the data provided for A. Expected: 8 bytes, " +
      "Got: 12 bytes (3 elements given, shape [2] holds 2)",
    ],
    [
      { data: [[OK, { A: [[1], [2], [3]], S: ["s"] }]] },
      "d.json: stream 0 step 1, tensor 'A': mismatch in the data provided for A. Expected: 8 " +
      "bytes, Got: 12 bytes (3 elements given, shape [2] holds 2)",
    ],
    [
      { data: [{ A: { b64: "AAAA" }, S: ["s"] }] },
      "d.json: entry 0, tensor 'A': mismatch in the data provided for A. Expected: 8 bytes, " +
      "Got: 3 bytes",
    ],
    [
      { data: [{ A: { b64: "!!" }, S: ["s"] }] },
      'd.json: entry 0, tensor \'A\': invalid base64 in "b64": "!!"',
    ],
    [
      { data: [{ A: { b64: 5 }, S: ["s"] }] },
      'd.json: entry 0, tensor \'A\': expected {"b64": "<base64 string>"}, got {"b64":5}',
    ],
    [
      { data: [{ A: [1, 2], S: { b64: b64([3, 0, 0, 0, 97]) } }] },
      "d.json: entry 0, tensor 'S': \"b64\" data must be BYTES elements, each a 4-byte " +
      "little-endian length then the bytes: BYTES tensor element at byte 0 runs past the end " +
      "of the data",
    ],
    [
      { data: [{ A: { shape: [2] }, S: ["s"] }] },
      "d.json: entry 0, tensor 'A': \"content\" is missing: an object value must be " +
      '{"content": ..., "shape": [...]} or {"b64": "..."}, got {"shape":[2]}',
    ],
    [
      { data: [{ A: { content: [1, 2], shape: [2.5] }, S: ["s"] }] },
      "d.json: entry 0, tensor 'A': \"shape\" must be a list of non-negative integers, got [2.5]",
    ],
    [
      { data: [{ A: { content: [1, 2, 3], shape: [3] }, S: ["s"] }] },
      "d.json: entry 0, tensor 'A': shape [3] does not match the model's dims [2]",
    ],
    [
      { data: [{ A: ["x", 1], S: ["s"] }] },
      "d.json: entry 0, tensor 'A': element 0: invalid INT32 value \"x\" (expected an integer " +
      "from -2147483648 to 2147483647)",
    ],
    [
      { data: [{ A: [1, 1.5], S: ["s"] }] },
      "d.json: entry 0, tensor 'A': element 1: invalid INT32 value 1.5 (expected an integer " +
      "from -2147483648 to 2147483647)",
    ],
    [
      '{"data": [{"A": [NaN, 1], "S": ["s"]}]}',
      "d.json: entry 0, tensor 'A': element 0: invalid INT32 value NaN (expected an integer " +
      "from -2147483648 to 2147483647)",
    ],
    [
      { data: [{ ...OK, F: [1, null] }] },
      "d.json: entry 0, tensor 'F': element 1: invalid FP32 value null (expected a number)",
    ],
    [
      { data: [{ A: [1, 2], S: [true] }] },
      "d.json: entry 0, tensor 'S': element 0: invalid BYTES value true (expected a string or " +
      "a number)",
    ],
    [
      { data: [{ ...OK, timestamp: ["soon"] }] },
      'd.json: entry 0: "timestamp" must be [<ms>], one number >= 0, got ["soon"]',
    ],
    [{ data: [OK, 5] }, "d.json: entry 1: expected a step object (tensor name to data), got 5"],
    [
      { data: [{ ...OK, session_id: [7] }] },
      'd.json: entry 0: "session_id" must be ["<id>"], one non-empty string, got [7]',
    ],
    [
      { data: [{ ...OK, session_id: "" }] },
      'd.json: entry 0: "session_id" must be ["<id>"], one non-empty string, got ""',
    ],
    [
      { data: [{ ...OK, delay: [-1] }] },
      'd.json: entry 0: "delay" must be [<ms>], one number >= 0, got [-1]',
    ],
  ];
  for (const [doc, want] of cases) assert.equal(error(doc), want);
});

Deno.test("session turns: session_id and delay, as one-element lists or bare values", () => {
  const data = parse({
    data: [
      { ...OK, session_id: ["s-1"], delay: [250] },
      { ...OK, session_id: "s-1", delay: 0.5 },
      { ...OK, session_id: ["s-2"] },
      OK,
    ],
  });
  const steps = data.streams[0];
  assert.deepEqual(steps.map((s) => [s.sessionId, s.delayMs]), [
    ["s-1", 250],
    ["s-1", 0.5],
    ["s-2", undefined],
    [undefined, undefined],
  ]);
  assert.ok(steps.every((s) => s.inputs.size === 2), "the keys are not tensors");
});

Deno.test("a model input named session_id or delay stays a tensor, not a session key", () => {
  const model = modelInfo({
    name: "m",
    inputs: [
      { name: "session_id", datatype: "BYTES", shape: [1] },
      { name: "delay", datatype: "INT32", shape: [1] },
    ],
    outputs: [],
  });
  const data = parseJsonData(
    JSON.stringify({ data: [{ session_id: ["x"], delay: [3] }] }),
    "d.json",
    model,
    new Map(),
  );
  const step = data.streams[0][0];
  assert.deepEqual([step.sessionId, step.delayMs], [undefined, undefined]);
  assert.deepEqual([...step.inputs.keys()], ["session_id", "delay"]);
});

Deno.test("malformed documents and layouts", () => {
  const mixed = "d.json: Inconsistency in input-data provided. Can not have a combination of " +
    "objects and arrays inside of the Data array";
  const align = "d.json: The 'validation_data' field doesn't align with 'data' field in the " +
    "json file";
  const cases: [unknown, string][] = [
    [{ rows: [] }, "d.json: expected a JSON object with a 'data' list, got {\"rows\":[]}"],
    [[OK], `d.json: expected a JSON object with a 'data' list, got [{"A":[1,2],"S":["s"]}]`],
    [
      { data: OK },
      "d.json: 'data' must be a list of steps, or a list of lists of steps (one per stream), " +
      'got {"A":[1,2],"S":["s"]}',
    ],
    [{ data: [] }, "d.json: 'data' has no entries"],
    [{ data: [[OK], []] }, "d.json: 'data' stream 1 has no steps"],
    [{ data: [OK, [OK]] }, `${mixed} ('data' entry 0 is a step, entry 1 a list)`],
    [{ data: [[OK], OK] }, `${mixed} ('data' entry 0 is a list, entry 1 a step)`],
    [
      { data: [OK], validation_data: [OK, OK] },
      `${align} ('data' has 1 entries, 'validation_data' 2)`,
    ],
    [
      { data: [[OK], [OK]], validation_data: [[{}]] },
      `${align} ('data' has 2 streams, 'validation_data' 1)`,
    ],
    [
      { data: [[OK], [OK, OK]], validation_data: [[{}], [{}]] },
      `${align} (stream 1: 'data' has 2 entries, 'validation_data' 1)`,
    ],
    [
      { data: [OK], validation_data: [[{}]] },
      `${align} ('data' is a flat list, 'validation_data' a list of streams)`,
    ],
    [
      { data: [OK], validation_data: [{ A: [1, 2] }] },
      "d.json: validation_data entry 0: The input or output 'A' is not found in the model " +
      "configuration",
    ],
    [
      { data: [[OK]], validation_data: [[{ V: [1, 2, 3] }]] },
      "d.json: validation_data stream 0 step 0, tensor 'V': can not infer the shape of output V " +
      "(model dims [-1,2]) from 3 elements",
    ],
    [
      '{"data": [\n  {"A": [1,,2]}]}',
      'd.json: invalid JSON at line 2, column 12: unexpected character ","',
    ],
  ];
  for (const [doc, want] of cases) assert.equal(error(doc), want);
});

Deno.test("a 100,000-deep document is refused in one line, its start shown, no stack overflow", () => {
  const deep = 100_000;
  const arrays = "[".repeat(deep) + "]".repeat(deep);
  const objects = '{"a":'.repeat(deep) + "1" + "}".repeat(deep);
  const got = (s: string) => `got ${s.slice(0, 60)}...`;
  assert.equal(
    error(arrays),
    `d.json: expected a JSON object with a 'data' list, ${got(arrays)}`,
  );
  assert.equal(
    error(`{"data": ${arrays}}`),
    `d.json: stream 0 step 0: expected a step object (tensor name to data), ${got(arrays)}`,
  );
  assert.equal(
    error(objects),
    `d.json: expected a JSON object with a 'data' list, ${got(objects)}`,
  );
  assert.equal(
    error(`{"data": [{"A": ${"[".repeat(deep)}1${"]".repeat(deep)}}]}`),
    "d.json: entry 0, tensor 'A': data is nested too deeply",
  );
});
