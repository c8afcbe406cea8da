import assert from "node:assert/strict";
import { startServer } from "../mod.ts";
import {
  binaryBody,
  getJson,
  infer,
  int32Blob,
  outputs,
  range16,
  simpleJson,
} from "../testing/helpers.ts";

const MODEL = "simple_sequence";

/** One step of a sequence: INPUT = [value] as JSON, with the given request parameters. */
function step(value: number, parameters?: Record<string, unknown>) {
  return {
    ...(parameters === undefined ? {} : { parameters }),
    inputs: [{ name: "INPUT", datatype: "INT32", shape: [1], data: [value] }],
  };
}

/** Sends one step and returns OUTPUT's single value, or the error text. */
async function send(
  url: string,
  value: number,
  parameters?: Record<string, unknown>,
  model = MODEL,
): Promise<number | string> {
  const reply = await infer(url, model, step(value, parameters));
  if (reply.status !== 200) return `${reply.status} ${reply.json.error}`;
  const out = outputs(reply);
  assert.deepEqual(out.map((o) => [o.name, o.datatype, o.shape]), [["OUTPUT", "INT32", [1]]]);
  return out[0].data![0] as number;
}

/** The model's failed-request count from /stats (ModelStats has only the success side). */
async function failures(url: string, model = MODEL): Promise<number> {
  const { json } = await getJson(`http://${url}/v2/models/${model}/stats`);
  return (json as { model_stats: { inference_stats: { fail: { count: number } } }[] })
    .model_stats[0].inference_stats.fail.count;
}

const NO_ID = "400 inference request to model 'simple_sequence' must specify a non-zero or " +
  "non-empty correlation ID";
const noStart = (id: string | number, model = MODEL) =>
  `400 inference request for sequence ${id} to model '${model}' must specify the ` +
  "START flag on the first request of the sequence";
const notString = (id: number) =>
  `400 inference request for sequence ${id} to model 'simple_sequence_string' must specify ` +
  "a string correlation ID: the model's CORRID control has data type TYPE_STRING";

Deno.test("sequence config: sequence_batching with START/END/READY/CORRID controls", async () => {
  const server = await startServer();
  try {
    const { json } = await getJson(`http://${server.url}/v2/models/${MODEL}/config`);
    const config = json as Record<string, unknown>;
    const flag = (name: string, kind: string) => ({
      name,
      control: [{
        kind,
        int32_false_true: [0, 1],
        fp32_false_true: [],
        bool_false_true: [],
        data_type: "TYPE_INVALID",
      }],
    });
    const corrid = (type: string) => ({
      name: "CORRID",
      control: [{
        kind: "CONTROL_SEQUENCE_CORRID",
        int32_false_true: [],
        fp32_false_true: [],
        bool_false_true: [],
        data_type: type,
      }],
    });
    const controls = [
      flag("START", "CONTROL_SEQUENCE_START"),
      flag("END", "CONTROL_SEQUENCE_END"),
      flag("READY", "CONTROL_SEQUENCE_READY"),
    ];
    assert.deepEqual(config.sequence_batching, {
      max_sequence_idle_microseconds: 5000000,
      control_input: [...controls, corrid("TYPE_UINT64")],
      state: [],
      iterative_sequence: false,
    });
    assert.equal(config.max_batch_size, 0);
    assert.equal("dynamic_batching" in config, false);
    const str = await getJson(`http://${server.url}/v2/models/simple_sequence_string/config`);
    const strBatching = (str.json as { sequence_batching: { control_input: unknown[] } })
      .sequence_batching;
    assert.deepEqual(strBatching.control_input, [...controls, corrid("TYPE_STRING")]);
    const meta = await getJson(`http://${server.url}/v2/models/${MODEL}`);
    assert.deepEqual((meta.json as { inputs: unknown }).inputs, [
      { name: "INPUT", datatype: "INT32", shape: [1] },
    ]);
    // Models without sequence batching print no such key.
    const simple = await getJson(`http://${server.url}/v2/models/simple/config`);
    assert.equal("sequence_batching" in (simple.json as object), false);
  } finally {
    await server.close();
  }
});

Deno.test("sequence rules over HTTP: Triton's refusals, exact texts, counted as rejected", async () => {
  const server = await startServer();
  const url = server.url;
  try {
    assert.equal(await send(url, 1), NO_ID);
    assert.equal(await send(url, 1, { sequence_id: 0, sequence_start: true }), NO_ID);
    assert.equal(await send(url, 1, { sequence_id: "", sequence_start: true }), NO_ID);
    assert.equal(await send(url, 1, { sequence_start: true, sequence_end: true }), NO_ID);
    assert.equal(await send(url, 1, { sequence_id: 9 }), noStart(9));
    assert.equal(await send(url, 1, { sequence_id: "abc", sequence_end: true }), noStart("abc"));
    // The string-id model refuses integer ids, START or not; the id check comes first.
    const str = "simple_sequence_string";
    assert.equal(await send(url, 1, { sequence_id: 9, sequence_start: true }, str), notString(9));
    assert.equal(await send(url, 1, { sequence_id: 9 }, str), notString(9));
    assert.equal(
      await send(url, 1, { sequence_start: true }, str),
      NO_ID.replace("'simple_sequence'", `'${str}'`),
    );
    assert.equal(await send(url, 1, { sequence_id: "x" }, str), noStart("x", str));
    assert.equal(server.sequences(str).rejected, 4);
    // Batched shapes are a validation error: the model has no batch dimension.
    const batched = await infer(url, MODEL, {
      parameters: { sequence_id: 9, sequence_start: true },
      inputs: [{ name: "INPUT", datatype: "INT32", shape: [2, 1], data: [1, 1] }],
    });
    assert.match(
      batched.json.error as string,
      /unexpected shape for input 'INPUT'.*Expected \[1\]/,
    );
    // Validation comes first: a malformed step is not a sequence rejection.
    const bad = await infer(url, MODEL, {
      parameters: { sequence_id: 9, sequence_start: true },
      inputs: [{ name: "INPUT", datatype: "FP32", shape: [1], data: [1] }],
    });
    assert.match(bad.json.error as string, /data-type is 'FP32'/);
    // A raw binary request carries no parameters, hence no correlation id.
    const raw = await infer(url, MODEL, int32Blob([5]), { "inference-header-content-length": "0" });
    assert.equal(`${raw.status} ${raw.json.error}`, NO_ID);
    // Non-sequence models keep refusing ids (string ones too), and ignore bare flags.
    const simple = await infer(url, "simple", {
      ...simpleJson(range16(), range16()),
      parameters: { sequence_id: "s" },
    });
    assert.equal(
      simple.json.error,
      "[request id: <id_unknown>] inference request to model 'simple' must not specify a " +
        "non-zero or non-empty correlation ID",
    );
    const flags = await infer(url, "simple", {
      ...simpleJson(range16(), range16()),
      parameters: { sequence_id: 0, sequence_start: true },
    });
    assert.equal(flags.status, 200);
    const truth = server.sequences(MODEL);
    assert.deepEqual(truth, {
      started: 0,
      ended: 0,
      active: 0,
      restarted: 0,
      rejected: 7,
      requests: 0,
      overlapping: 0,
      endedLengths: [],
    });
    // Rejections are failed requests in the statistics, like the validation failure.
    assert.equal(await failures(url), 9);
    assert.equal(await failures(url, str), 4);
    assert.throws(() => server.sequences("simple"), /not a sequence model "simple"/);
    assert.throws(() => server.sequences("nope"), RangeError);
  } finally {
    await server.close();
  }
});

Deno.test("sequence accumulator: exact values, string ids apart, restart, END forgets", async () => {
  const server = await startServer({ computeUs: 100 });
  const url = server.url;
  try {
    const s = (id: number | string, start = false, end = false) => ({
      sequence_id: id,
      sequence_start: start,
      sequence_end: end,
    });
    assert.equal(await send(url, 10, s(7, true)), 10);
    // "7" is a different sequence from 7, as in Triton.
    assert.equal(await send(url, 100, s("7")), noStart("7"));
    assert.equal(await send(url, 100, s("7", true)), 100);
    assert.equal(await send(url, 5, s(7)), 15);
    assert.equal(await send(url, -20, s(7)), -5);
    assert.equal(await send(url, 1, s("7")), 101);
    // START on an active id restarts it: the accumulator begins again.
    assert.equal(await send(url, 3, s(7, true)), 3);
    assert.equal(await send(url, 2147483647, s(7)), -2147483646, "int32 wraparound");
    assert.equal(await send(url, 1, s(7, false, true)), -2147483645);
    assert.equal(await send(url, 1, s(7)), noStart(7), "END removed the state");
    assert.equal(await send(url, 4, s(8, true, true)), 4, "a one-request sequence");
    assert.equal(await send(url, 1, s("7", false, true)), 102);
    // The string model keeps its own sequences: "7" there is not "7" here.
    const str = "simple_sequence_string";
    assert.equal(await send(url, 6, s("7", true), str), 6);
    assert.equal(await send(url, 1, s("7", false, true), str), 7);
    assert.deepEqual(server.sequences(MODEL), {
      started: 4,
      ended: 3,
      active: 0,
      restarted: 1,
      rejected: 2,
      requests: 10,
      overlapping: 0,
      endedLengths: [3, 1, 3],
    });
    assert.equal(server.sequences("simple_sequence_string").ended, 1);
    assert.equal(server.groundTruth(MODEL).successCount, 10);
    assert.equal(await failures(url), 2);
  } finally {
    await server.close();
  }
});

Deno.test("overlapping steps of one sequence are counted, and run in arrival order", async () => {
  const server = await startServer({ computeUs: 200_000, instances: 2 });
  const url = server.url;
  try {
    assert.equal(await send(url, 1, { sequence_id: 5, sequence_start: true }), 1);
    // Sent together over two connections; the second arrives while the first still runs.
    const first = send(url, 2, { sequence_id: 5 });
    await new Promise((r) => setTimeout(r, 5));
    const second = send(url, 3, { sequence_id: 5, sequence_end: true });
    assert.deepEqual(await Promise.all([first, second]), [3, 6]);
    const truth = server.sequences(MODEL);
    assert.equal(truth.overlapping, 1);
    assert.deepEqual(truth.endedLengths, [3]);
    assert.equal(truth.active, 0);
    // One step at a time again: nothing more overlaps.
    assert.equal(await send(url, 1, { sequence_id: 5, sequence_start: true }), 1);
    assert.equal(await send(url, 1, { sequence_id: 5, sequence_end: true }), 2);
    assert.equal(server.sequences(MODEL).overlapping, 1);
  } finally {
    await server.close();
  }
});

Deno.test("sequence steps as binary data, binary output", async () => {
  const server = await startServer();
  try {
    const header = {
      parameters: { sequence_id: 11, sequence_start: true, binary_data_output: true },
      inputs: [{
        name: "INPUT",
        datatype: "INT32",
        shape: [1],
        parameters: { binary_data_size: 4 },
      }],
    };
    const { body, headerLength } = binaryBody(header, [int32Blob([41])]);
    const headers = { "inference-header-content-length": String(headerLength) };
    const reply = await infer(server.url, MODEL, body, headers);
    assert.equal(reply.status, 200);
    assert.deepEqual(Array.from(new Int32Array(reply.blobs.get("OUTPUT")!.buffer)), [41]);
    assert.equal(server.sequences(MODEL).active, 1);
  } finally {
    await server.close();
  }
});
