/**
 * The shared conformance suite over the Triton gRPC backend, unary and streaming, with each
 * inference transport (grpc-js and the hand-written HTTP/2 client).
 */
import type { BackendOptions } from "../../core/backend.ts";
import { systemClock } from "../../core/clock.ts";
import { conformanceSuite } from "../../conformance/triton_suite.ts";
import { type GrpcInferTransport, TritonGrpcBackend } from "./grpc.ts";

for (const transport of ["grpc-js", "h2"] as GrpcInferTransport[]) {
  conformanceSuite(`triton grpc (${transport})`, (server, variant) => {
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
    const backend = new TritonGrpcBackend(options, systemClock, { transport });
    if (backend.transport !== transport) throw new Error(`expected ${transport}`);
    return backend;
  }, { streaming: true, server: { grpcPort: 0 } });
}
