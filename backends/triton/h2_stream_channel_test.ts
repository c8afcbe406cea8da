/**
 * The streaming channel's receive path, driven by hand through a scripted connection: replies
 * arrive as DATA chunks cut where the test says, so a large response is known to be spread over
 * many chunks, and the test sees whether the channel gathered it or walked its pieces.
 */
import assert from "node:assert/strict";
import { systemClock } from "../../core/clock.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { frameMessage } from "../../wire/grpc/framing.ts";
import type { H2Endpoint } from "../net/h2_endpoint.ts";
import type { StreamListener } from "../net/h2_client_stream.ts";
import { encodeGrpcInferRequest } from "./grpc_infer_request.ts";
import { tritonRpc } from "./grpc_proto.ts";
import { H2StreamChannel } from "./h2_stream_channel.ts";
import { watchDelivery } from "./testing/stream_delivery.ts";

/** DATA chunks of the default HTTP/2 frame size. */
const CHUNK = 16 << 10;
/** 1 MiB of FP32 contents: a reply spread over 64 chunks and more. */
const ELEMENTS = 1 << 18;

const streamReply = (message: Record<string, unknown>) =>
  tritonRpc("ModelStreamInfer").response.encode(message);

/** A response of one 1 MiB FP32 output; `final` sets triton_final_response. */
function bigReply(final?: boolean, raw = 1, outputs = 1): Uint8Array {
  return streamReply({
    infer_response: {
      model_name: "identity_fp32",
      id: "1",
      parameters: final === undefined ? {} : { triton_final_response: { bool_param: final } },
      outputs: Array.from({ length: outputs }, () => ({
        name: "OUTPUT0",
        datatype: "FP32",
        shape: [1, ELEMENTS],
      })),
      raw_output_contents: Array.from({ length: raw }, () => new Uint8Array(ELEMENTS * 4).fill(1)),
    },
  });
}

/** The channel on a scripted connection: `reply` hears the stream's DATA as the server sends. */
function scripted(captureOutputs = false) {
  let listener: StreamListener | undefined;
  let written: () => void = () => {};
  const stream = {
    done: false,
    remoteClosed: false,
    sendData: () => written(),
    endLocal: () => {},
  };
  const conn = {
    usable: true,
    request: (_block: Uint8Array, _end: boolean, l: StreamListener) => {
      listener = l;
      return stream;
    },
    reset: () => {},
  };
  const endpoint = { connection: () => Promise.resolve(conn) } as unknown as H2Endpoint;
  const ch = new H2StreamChannel(
    endpoint,
    new Uint8Array(0),
    systemClock,
    undefined,
    captureOutputs,
  );
  // What reached the channel whole (as one array), and how many pieces its walk heard.
  const { whole, pieces } = watchDelivery(ch);
  let headersSent = false;
  /** Sends one request and answers it with `messages`, framed and cut into `chunk`-byte DATA. */
  async function exchange(decoupled: boolean, messages: Uint8Array[], chunk = CHUNK) {
    const prepared = encodeGrpcInferRequest({
      model: "identity_fp32",
      version: "",
      inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, 4], bytes: new Uint8Array(16) }],
      outputs: [],
      batchSize: 1,
    }, { streaming: true, decoupled });
    const record = new RequestRecord();
    record.reset(0);
    const sentOut = new Promise<void>((resolve) => written = resolve);
    const done = ch.send(prepared, record);
    await sentOut;
    if (!headersSent) {
      headersSent = true;
      listener!.onHeaders([[":status", "200"], ["content-type", "application/grpc"]], false);
    }
    const framed = messages.map((m) => frameMessage(m));
    const bytes = new Uint8Array(framed.reduce((n, m) => n + m.length, 0));
    framed.reduce((at, m) => (bytes.set(m, at), at + m.length), 0);
    for (let at = 0; at < bytes.length; at += chunk) {
      listener!.onData(bytes.subarray(at, at + chunk), false);
    }
    await done;
    return record;
  }
  return { ch, exchange, whole, pieces };
}

Deno.test("stream channel: a 1 MiB reply over many DATA chunks is walked, never gathered", async () => {
  const { ch, exchange, whole, pieces } = scripted();
  const reply = bigReply();
  const rec = await exchange(false, [reply]);
  assert.equal(rec.outcome, "ok", rec.error);
  assert.equal(rec.responseCount, 1);
  assert.equal(rec.bytesReceived, reply.length);
  assert.ok(reply.length > 1 << 20);
  assert.deepEqual(whole, [], "no reply reached the channel as one array");
  assert.ok(pieces() >= reply.length / CHUNK, `${pieces()} pieces`);
  // The same stream carries the next request: the walk starts afresh.
  const again = await exchange(false, [reply], 1000);
  assert.equal(again.outcome, "ok", again.error);
  assert.deepEqual(whole, []);
  ch.close();
});

Deno.test("stream channel: decoupled responses in pieces count until the final flag", async () => {
  const { ch, exchange, whole } = scripted();
  const marker = streamReply({
    infer_response: { parameters: { triton_final_response: { bool_param: true } } },
  });
  const rec = await exchange(true, [bigReply(false), bigReply(false), marker]);
  assert.equal(rec.outcome, "ok", rec.error);
  assert.equal(rec.responseCount, 2, "the empty final response is not a response");
  assert.equal(rec.bytesReceived, 2 * bigReply(false).length + marker.length);
  // Only the small marker arrived inside one chunk, as a view.
  assert.deepEqual(whole, [marker.length]);
  // A final response carrying outputs is a response and ends the request.
  const last = await exchange(true, [bigReply(false), bigReply(true)]);
  assert.equal(last.outcome, "ok", last.error);
  assert.equal(last.responseCount, 2);
  ch.close();
});

Deno.test("stream channel: bad replies fail alike whether walked in pieces or heard whole", async () => {
  const huge = "x".repeat(100_000);
  const cases: [Uint8Array, string, string][] = [
    [
      bigReply(undefined, 2, 1),
      "protocol_error",
      "ModelInferResponse has 2 raw_output_contents for 1 outputs",
    ],
    [
      // infer_response's declared length is one byte more than the message holds.
      Uint8Array.of(0x12, 0x81, 0x80, 0x04, ...new Uint8Array(1 << 16)),
      "protocol_error",
      "malformed ModelStreamInferResponse: field length exceeds the message",
    ],
    [
      streamReply({ error_message: huge }),
      "server_error",
      huge,
    ],
    [
      // A raw_output_contents field whose length runs past infer_response's end.
      Uint8Array.of(0x12, 0x84, 0x80, 0x04, 0x32, 0x80, 0x80, 0x05, ...new Uint8Array(1 << 16)),
      "protocol_error",
      "malformed ModelInferResponse: field length exceeds the message",
    ],
  ];
  for (const [reply, outcome, error] of cases) {
    for (const chunk of [CHUNK, 4 << 20]) {
      const { ch, exchange, whole } = scripted();
      const rec = await exchange(false, [reply], chunk);
      assert.equal(rec.outcome, outcome, `${chunk}-byte chunks: ${rec.error}`);
      assert.equal(rec.error, error);
      assert.equal(rec.bytesReceived, reply.length);
      assert.deepEqual(whole, chunk === CHUNK ? [] : [reply.length]);
      ch.close();
    }
  }
});

Deno.test("stream channel: with outputs captured, a large reply is gathered and decoded", async () => {
  const { ch, exchange, whole, pieces } = scripted(true);
  const reply = bigReply();
  const rec = await exchange(false, [reply]);
  assert.equal(rec.outcome, "ok", rec.error);
  assert.deepEqual(whole, [reply.length]);
  assert.equal(pieces(), 0);
  assert.equal(rec.outputs.length, 1);
  assert.equal(rec.outputs[0].name, "OUTPUT0");
  assert.deepEqual(rec.outputs[0].shape, [1, ELEMENTS]);
  assert.equal(rec.outputs[0].bytes.length, ELEMENTS * 4);
  assert.ok(rec.outputs[0].bytes.every((b) => b === 1));
  ch.close();
});
