/**
 * A Triton gRPC server made of the scripted HTTP/2 fake (backends/net/testing/h2_fake.ts), for
 * end-to-end runs against what grpc-js cannot be made to send: replies that are not protobuf,
 * compressed flags without an encoding, GOAWAY on cue. It serves ServerMetadata (no
 * extensions) and the metadata of model `m` (INT32 IN and OUT of shape [4]); every other control
 * RPC is UNIMPLEMENTED; ModelInfer calls, and each request on a ModelStreamInfer stream, get
 * what `infer` picks by their 1-based number (a message is sent as the stream's infer_response).
 */
import { type FakeReply, type FakeServer, startFake } from "../../net/testing/h2_fake.ts";
import { GrpcCode } from "../../net/grpc_status.ts";
import { MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH, tritonRpc } from "../grpc_proto.ts";

export interface TritonFake {
  /** The -u value. */
  readonly url: string;
  readonly server: FakeServer;
  /** ModelInfer calls answered, by any reply (not those refused by a GOAWAY). */
  inferCalls(): number;
  close(): Promise<void>;
}

/** A well-formed ModelInferResponse for model m: one INT32 output of 4 zeros. */
export function inferOk(): Uint8Array {
  return tritonRpc("ModelInfer").response.encode({
    model_name: "m",
    model_version: "1",
    outputs: [{ name: "OUT", datatype: "INT32", shape: [4] }],
    raw_output_contents: [new Uint8Array(16)],
  });
}

export function startTritonFake(infer: (call: number) => FakeReply): TritonFake {
  const serverMetadata = tritonRpc("ServerMetadata").response.encode({
    name: "fake",
    version: "1",
    extensions: [],
  });
  const tensor = { datatype: "INT32", shape: [4] };
  const modelMetadata = tritonRpc("ModelMetadata").response.encode({
    name: "m",
    versions: ["1"],
    platform: "fake",
    inputs: [{ name: "IN", ...tensor }],
    outputs: [{ name: "OUT", ...tensor }],
  });
  let inferCalls = 0;
  const stream = (path: string) => path === MODEL_STREAM_INFER_PATH;
  const server = startFake(
    (_, path) => {
      if (path === MODEL_INFER_PATH) return infer(++inferCalls);
      if (stream(path)) return asStreamReply(infer(++inferCalls));
      if (path === tritonRpc("ServerMetadata").path) return { message: serverMetadata };
      if (path === tritonRpc("ModelMetadata").path) return { message: modelMetadata };
      return { status: GrpcCode.UNIMPLEMENTED };
    },
    undefined,
    stream,
  );
  return {
    url: `127.0.0.1:${server.port}`,
    server,
    inferCalls: () => inferCalls,
    close: () => server.close(),
  };
}

/** A ModelInferResponse reply as ModelStreamInferResponse { infer_response = 2 }. */
function asStreamReply(r: FakeReply): FakeReply {
  if (typeof r === "string" || r.message === undefined) return r;
  const length: number[] = [];
  // The length as a protobuf varint, low 7 bits first.
  for (let n = r.message.length; length.length === 0 || n > 0; n = Math.floor(n / 128)) {
    length.push((n % 128) | (n >= 128 ? 128 : 0));
  }
  return { ...r, message: Uint8Array.of(2 << 3 | 2, ...length, ...r.message) };
}
