/** The shared conformance suite over the Triton gRPC backend, unary and streaming. */
import type { BackendOptions } from "../core/backend.ts";
import { conformanceSuite } from "./conformance.ts";
import { createTritonGrpc } from "./triton_grpc.ts";

conformanceSuite("triton grpc", (server, variant) => {
  if (server.grpcUrl === undefined) throw new Error("the reference server has no gRPC listener");
  const options: BackendOptions = {
    url: server.grpcUrl,
    protocol: "grpc",
    headers: [],
    inputTensorFormat: "binary",
    outputTensorFormat: "binary",
    verbose: false,
    streaming: variant.streaming,
  };
  return createTritonGrpc(options as BackendOptions);
}, { streaming: true, server: { grpcPort: 0 } });
