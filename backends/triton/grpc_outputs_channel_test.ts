/**
 * gRPC output capture through real channels against a grpc-js server answering the way the
 * reference server never does: typed `contents` instead of raw_output_contents, and replies
 * whose outputs cannot be decoded. Unary and streaming.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { systemClock } from "../../core/clock.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { tensorFromJson } from "../../core/data/tensor_codec.ts";
import { spec, tensor } from "../../conformance/fixture.ts";
import type { ProtoObject } from "./grpc_proto.ts";
import { serveTriton } from "./testing/grpc_methods.ts";
import { TritonGrpcBackend } from "./grpc.ts";
import { tritonOptions } from "./testing/options.ts";

/** The ModelInferResponse each model name gets. */
function reply(model: string): ProtoObject {
  if (model === "typed") {
    return {
      model_name: model,
      outputs: [
        { name: "F", datatype: "FP32", shape: [1, 2], contents: { fp32_contents: [0.5, -2] } },
        { name: "I", datatype: "INT64", shape: [1], contents: { int64_contents: ["-5"] } },
        {
          name: "S",
          datatype: "BYTES",
          shape: [1],
          contents: { bytes_contents: [new TextEncoder().encode("hé")] },
        },
      ],
    };
  }
  // Two outputs, one raw entry.
  return {
    model_name: model,
    outputs: [{ name: "A", datatype: "INT32", shape: [1] }, { name: "B", datatype: "INT32" }],
    raw_output_contents: [new Uint8Array(4)],
  };
}

function startTypedServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const handlers: grpc.UntypedServiceImplementation = {
    ModelInfer: (
      call: grpc.ServerUnaryCall<ProtoObject, ProtoObject>,
      cb: grpc.sendUnaryData<ProtoObject>,
    ) => cb(null, reply(String(call.request.model_name))),
    ModelStreamInfer: (call: grpc.ServerDuplexStream<ProtoObject, ProtoObject>) => {
      call.on("data", (request: ProtoObject) => {
        const response = reply(String(request.model_name));
        response.parameters = { triton_final_response: { bool_param: true } };
        call.write({ infer_response: response });
      });
      call.on("end", () => call.end());
      call.on("error", () => {});
    },
  };
  return serveTriton(handlers);
}

async function eachChannel(body: (send: (model: string) => Promise<RequestRecord>) => unknown) {
  const server = await startTypedServer();
  try {
    for (const streaming of [false, true]) {
      const backend = new TritonGrpcBackend(
        tritonOptions(server.url, { protocol: "grpc", streaming }),
        systemClock,
      );
      try {
        const ch = await backend.connect({ captureOutputs: true });
        await body(async (model) => {
          const rec = new RequestRecord();
          rec.reset(0);
          await ch.send(backend.prepare(spec(model, [tensor("IN", "INT32", [1], [1])], 1)), rec);
          return rec;
        });
        ch.close();
      } finally {
        await backend.close();
      }
    }
  } finally {
    await server.close();
  }
}

Deno.test("typed contents are captured in raw wire form on every gRPC channel", async () => {
  await eachChannel(async (send) => {
    const rec = await send("typed");
    assert.equal(rec.outcome, "ok", rec.error);
    assert.deepEqual(rec.outputs, [
      { name: "F", datatype: "FP32", shape: [1, 2], bytes: tensorFromJson("FP32", [0.5, -2]) },
      { name: "I", datatype: "INT64", shape: [1], bytes: tensorFromJson("INT64", [-5n]) },
      { name: "S", datatype: "BYTES", shape: [1], bytes: encodeStringElements(["hé"]) },
    ]);
  });
});

Deno.test("an OK reply with undecodable outputs is a protocol error on every gRPC channel", async () => {
  await eachChannel(async (send) => {
    const rec = await send("bad");
    assert.equal(rec.outcome, "protocol_error");
    assert.equal(rec.error, "ModelInferResponse has 1 raw_output_contents for 2 outputs");
    // Every reply is checked before it counts as a response.
    assert.equal(rec.responseCount, 0);
    assert.deepEqual(rec.outputs, []);
    // The channel stays usable for the next request.
    assert.equal((await send("typed")).outcome, "ok");
  });
});
