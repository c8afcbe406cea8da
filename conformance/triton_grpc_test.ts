/**
 * The conformance suite over the Triton gRPC backend, unary and streaming (--streaming), with
 * each inference transport (grpc-js and the hand-written HTTP/2 client).
 */
import { BACKEND_CONTRACT_VERSION, type BackendFactory } from "../core/backend.ts";
import { systemClock } from "../core/clock.ts";
import { type GrpcInferTransport, TritonGrpcBackend } from "../backends/triton/grpc.ts";
import { tritonFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

for (const transport of ["grpc-js", "h2"] as GrpcInferTransport[]) {
  const factory: BackendFactory = {
    contractVersion: BACKEND_CONTRACT_VERSION,
    kind: "triton",
    protocols: ["grpc"],
    create(options) {
      const backend = new TritonGrpcBackend(options, systemClock, { transport });
      if (backend.transport !== transport) throw new Error(`expected ${transport}`);
      return backend;
    },
  };
  for (const streaming of [false, true]) {
    const name = `triton grpc (${transport}${streaming ? ", streaming" : ""})`;
    conformanceSuite(name, tritonFixture(factory, "grpc", streaming));
  }
}
