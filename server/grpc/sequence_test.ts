import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { connect, int32Bytes, int32Values, ReplyQueue } from "./testing/client.ts";
import { startServer } from "../server.ts";
import { infer, outputs } from "../testing/helpers.ts";

const MODEL = "simple_sequence";

type Param = { int64_param: number } | { string_param: string } | { bool_param: boolean };

/** A ModelInferRequest for one step: INPUT = [[value]] in raw contents. */
function step(value: number, parameters: Record<string, Param>, id = "") {
  return {
    model_name: MODEL,
    id,
    parameters,
    inputs: [{ name: "INPUT", datatype: "INT32", shape: [1] }],
    raw_input_contents: [int32Bytes([value])],
  };
}

/** The sequence parameters, id as int64_param (number) or string_param (string). */
function seq(id: number | string, start = false, end = false): Record<string, Param> {
  return {
    sequence_id: typeof id === "number" ? { int64_param: id } : { string_param: id },
    sequence_start: { bool_param: start },
    sequence_end: { bool_param: end },
  };
}

const NO_ID = "inference request to model 'simple_sequence' must specify a non-zero or " +
  "non-empty correlation ID";
const noStart = (id: string | number) =>
  `inference request for sequence ${id} to model 'simple_sequence' must specify the START ` +
  "flag on the first request of the sequence";

Deno.test("gRPC sequence rules: INVALID_ARGUMENT with Triton's texts", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const cases: [Record<string, Param>, string][] = [
      [{}, NO_ID],
      [seq(0, true), NO_ID],
      [seq("", true, true), NO_ID],
      [{ sequence_start: { bool_param: true } }, NO_ID],
      [seq(12), noStart(12)],
      [seq("x-1", false, true), noStart("x-1")],
    ];
    for (const [params, message] of cases) {
      await assert.rejects(client.call("ModelInfer", step(1, params)), (e: {
        code: number;
        details: string;
      }) => {
        assert.equal(e.code, status.INVALID_ARGUMENT, e.details);
        assert.equal(e.details, message);
        return true;
      });
    }
    assert.equal(server.sequences(MODEL).rejected, cases.length);
    // The gRPC config carries the same sequence_batching as /config.
    const { config } = await client.call<{ config: { sequence_batching: unknown } }>(
      "ModelConfig",
      { name: MODEL },
    );
    const http = await (await fetch(`http://${server.url}/v2/models/${MODEL}/config`)).json();
    assert.deepEqual(config.sequence_batching, http.sequence_batching);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC sequences: unary and streamed steps share state and truth with HTTP", async () => {
  const server = await startServer({ grpcPort: 0, computeUs: 200 });
  const client = connect(server.grpcUrl!);
  try {
    const unary = async (value: number, params: Record<string, Param>) => {
      const r = await client.call<{ raw_output_contents: Uint8Array[] }>(
        "ModelInfer",
        step(value, params),
      );
      return int32Values(r.raw_output_contents[0])[0];
    };
    assert.equal(await unary(5, seq(3, true)), 5);
    assert.equal(await unary(6, seq("3", true)), 6);
    // The same id over HTTP continues the same sequence.
    const http = await infer(server.url, MODEL, {
      parameters: { sequence_id: 3 },
      inputs: [{ name: "INPUT", datatype: "INT32", shape: [1], data: [10] }],
    });
    assert.deepEqual(outputs(http)[0].data, [15]);

    // On a stream, one step at a time; a broken step is answered in error_message.
    const stream = client.stream();
    const queue = new ReplyQueue(stream);
    const streamed: (number | string)[] = [];
    const plan: [number, Record<string, Param>][] = [
      [1, seq(3)],
      [2, seq(99)],
      [4, seq("3", false, true)],
      [7, seq(3, false, true)],
    ];
    for (const [i, [value, params]] of plan.entries()) {
      stream.write(step(value, params, `r${i}`));
      const [reply] = await queue.take(1);
      if (reply.error_message !== "") streamed.push(reply.error_message);
      else {
        assert.equal(reply.infer_response!.id, `r${i}`);
        streamed.push(int32Values(reply.infer_response!.raw_output_contents[0])[0]);
      }
    }
    stream.end();
    assert.deepEqual(streamed, [16, noStart(99), 10, 23]);
    assert.deepEqual(server.sequences(MODEL), {
      started: 2,
      ended: 2,
      active: 0,
      restarted: 0,
      rejected: 1,
      requests: 6,
      overlapping: 0,
      endedLengths: [2, 4],
    });
  } finally {
    client.close();
    await server.close();
  }
});
