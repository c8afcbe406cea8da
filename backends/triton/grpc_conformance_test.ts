/**
 * The shared conformance suite over the Triton gRPC backend, unary and streaming, with
 * identity and gzip-compressed requests: the reference server must inflate and count every
 * compressed request as it does plain ones.
 */
import { systemClock } from "../../core/clock.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import { conformanceSuite } from "../../conformance/triton_suite.ts";
import { TritonGrpcBackend } from "./grpc.ts";
import { defaultTritonOptions } from "./options.ts";

for (const compression of ["none", "gzip"] as const) {
  conformanceSuite(`triton grpc (compression ${compression})`, (server, variant) => {
    if (server.grpcUrl === undefined) throw new Error("the reference server has no gRPC listener");
    const options = backendOptions({
      url: server.grpcUrl,
      protocol: "grpc",
      streaming: variant.streaming,
      grpcCompression: compression,
      own: defaultTritonOptions(),
    });
    return new TritonGrpcBackend(options, systemClock);
  }, { streaming: true, server: { grpcPort: 0 } });
}
