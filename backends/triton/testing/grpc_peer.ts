/**
 * A scriptable Triton gRPC peer for unit tests of the gRPC channels and backend: behaviours
 * the reference server never shows on purpose (streams that end early, malformed replies,
 * missing RPCs) are picked by model name. Listens on 127.0.0.1 with an OS-chosen port.
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import type { ProtoObject } from "../grpc_proto.ts";
import { serveTriton } from "./grpc_methods.ts";

export interface PeerOptions {
  /** Omit the ModelConfig and ModelStatistics RPCs (an MLServer-like server). */
  minimal?: boolean;
  /** Serve RepositoryIndex with these entries (without it the RPC is unimplemented). */
  index?: ProtoObject[];
}

export interface Peer {
  readonly url: string;
  /** Every inference request received, decoded, with the call's metadata. */
  readonly requests: { request: ProtoObject; metadata: Record<string, unknown> }[];
  close(): Promise<void>;
}

type Responder = (response: ProtoObject) => void;

function inferResponse(model: string, outputs: number, final?: boolean): ProtoObject {
  const response: ProtoObject = {
    model_name: model,
    model_version: "1",
    outputs: Array.from({ length: outputs }, (_, i) => ({
      name: `OUT${i}`,
      datatype: "INT32",
      shape: [1],
    })),
    raw_output_contents: Array.from({ length: outputs }, () => Buffer.alloc(4)),
  };
  if (final !== undefined) {
    response.parameters = { triton_final_response: { bool_param: final } };
  }
  return response;
}

/** Streaming behaviour by model name; returns false when the stream must end now. */
function streamReply(
  model: string,
  send: Responder,
  call: grpc.ServerDuplexStream<ProtoObject, ProtoObject>,
): boolean {
  const repeat = /^repeat_(\d+)$/.exec(model);
  if (repeat) {
    const n = Number(repeat[1]);
    for (let i = 0; i < n; i++) send({ infer_response: inferResponse(model, 1, false) });
    send({ infer_response: inferResponse(model, 0, true) });
  } else if (model === "silent") {
    send({ infer_response: inferResponse(model, 0, true) });
  } else if (model === "stream_error") {
    send({ error_message: "in-band failure" });
  } else if (model === "hangup") {
    call.emit("error", { code: grpc.status.RESOURCE_EXHAUSTED, details: "stream refused" });
    return false;
  } else if (model === "end_stream") {
    call.end();
    return false;
  } else if (model === "never") {
    // No answer: the client's close() must cancel it.
  } else if (model === "no_flag") {
    send({ infer_response: inferResponse(model, 2) });
  } else {
    send({ infer_response: inferResponse(model, 2, true) });
  }
  return true;
}

function metadataOf(call: { metadata: grpc.Metadata }): Record<string, unknown> {
  return call.metadata.getMap();
}

export async function startPeer(options: PeerOptions = {}): Promise<Peer> {
  const requests: Peer["requests"] = [];
  const unary = (reply: (req: ProtoObject) => ProtoObject | grpc.ServiceError) =>
  (
    call: grpc.ServerUnaryCall<ProtoObject, ProtoObject>,
    cb: grpc.sendUnaryData<ProtoObject>,
  ) => {
    const out = reply(call.request);
    if ("code" in out && typeof out.code === "number") cb(out as grpc.ServiceError);
    else cb(null, out as ProtoObject);
  };
  const fail = (code: number, details: string) => ({ code, details }) as grpc.ServiceError;
  const handlers: grpc.UntypedServiceImplementation = {
    ServerMetadata: unary(() => ({
      name: "peer",
      version: "0",
      extensions: options.minimal ? [] : ["model_configuration", "statistics"],
    })),
    ModelMetadata: unary((req) =>
      req.name === "missing"
        ? fail(grpc.status.NOT_FOUND, `Request for unknown model: '${req.name}' is not found`)
        : {
          name: req.name,
          versions: ["1"],
          platform: "peer",
          inputs: [{ name: "IN", datatype: "INT32", shape: [-1, 4] }],
          outputs: [{ name: "OUT", datatype: "INT32", shape: [-1, 4] }],
        }
    ),
    ModelInfer: (
      call: grpc.ServerUnaryCall<ProtoObject, ProtoObject>,
      cb: grpc.sendUnaryData<ProtoObject>,
    ) => {
      requests.push({ request: call.request, metadata: metadataOf(call) });
      const model = String(call.request.model_name);
      if (model === "never") return;
      if (model === "fail") {
        cb(fail(grpc.status.INVALID_ARGUMENT, "unexpected shape for input 'IN'"));
      } else if (model === "unavailable") cb(fail(grpc.status.UNAVAILABLE, ""));
      else cb(null, inferResponse(model, 2));
    },
    ModelStreamInfer: (call: grpc.ServerDuplexStream<ProtoObject, ProtoObject>) => {
      const send: Responder = (r) => call.write(r);
      call.on("data", (request: ProtoObject) => {
        requests.push({ request, metadata: metadataOf(call) });
        if (!streamReply(String(request.model_name), send, call)) call.removeAllListeners("data");
      });
      call.on("end", () => call.end());
      call.on("error", () => {});
    },
  };
  if (!options.minimal) {
    handlers.ModelConfig = unary((req) => ({
      config: {
        name: req.name,
        max_batch_size: 8,
        model_transaction_policy: { decoupled: String(req.name).startsWith("repeat") },
      },
    }));
    handlers.ModelStatistics = unary((req) => ({
      model_stats: [{
        name: req.name,
        version: "1",
        inference_count: 7,
        execution_count: 3,
        inference_stats: { success: { count: 3, ns: 9000 } },
      }],
    }));
  }
  const index = options.index;
  if (index !== undefined) handlers.RepositoryIndex = unary(() => ({ models: index }));
  return { ...await serveTriton(handlers), requests };
}
