/**
 * The conformance suite over the Triton gRPC backend, unary and streaming (--streaming), with
 * identity and gzip-compressed requests: the reference server must inflate and count every
 * compressed request as it does plain ones.
 */
import triton from "../backends/triton/descriptor.ts";
import { tritonFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

for (const grpcCompression of ["none", "gzip"] as const) {
  for (const streaming of [false, true]) {
    const name = `triton grpc (compression ${grpcCompression}${streaming ? ", streaming" : ""})`;
    await conformanceSuite(name, tritonFixture(triton, "grpc", { streaming, grpcCompression }));
  }
}
