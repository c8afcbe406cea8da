/**
 * The shared conformance suite over the Triton gRPC backend, unary and streaming, with each
 * inference transport (grpc-js and the hand-written HTTP/2 client).
 */
import { systemClock } from "../../core/clock.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import { conformanceSuite } from "../../conformance/triton_suite.ts";
import { type GrpcInferTransport, TritonGrpcBackend } from "./grpc.ts";
import { defaultTritonOptions } from "./options.ts";

for (const transport of ["grpc-js", "h2"] as GrpcInferTransport[]) {
  conformanceSuite(`triton grpc (${transport})`, (server, variant) => {
    if (server.grpcUrl === undefined) throw new Error("the reference server has no gRPC listener");
    const options = backendOptions({
      url: server.grpcUrl,
      protocol: "grpc",
      streaming: variant.streaming,
      own: defaultTritonOptions(),
    });
    const backend = new TritonGrpcBackend(options, systemClock, { transport });
    if (backend.transport !== transport) throw new Error(`expected ${transport}`);
    return backend;
  }, { streaming: true, server: { grpcPort: 0 } });
}
