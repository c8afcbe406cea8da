/**
 * The shared conformance suite over the Triton gRPC backend, unary and streaming, with
 * identity and gzip-compressed requests: the reference server must inflate and count every
 * compressed request as it does plain ones.
 */
import type { BackendOptions } from "../../core/backend.ts";
import { systemClock } from "../../core/clock.ts";
import { conformanceSuite } from "../../conformance/triton_suite.ts";
import { TritonGrpcBackend } from "./grpc.ts";

for (const compression of ["none", "gzip"] as const) {
  conformanceSuite(`triton grpc (compression ${compression})`, (server, variant) => {
    if (server.grpcUrl === undefined) throw new Error("the reference server has no gRPC listener");
    const options: BackendOptions = {
      url: server.grpcUrl,
      protocol: "grpc",
      headers: [],
      inputTensorFormat: "binary",
      outputTensorFormat: "binary",
      verbose: false,
      streaming: variant.streaming,
      grpcCompression: compression,
    };
    return new TritonGrpcBackend(options, systemClock);
  }, { streaming: true, server: { grpcPort: 0 } });
}
