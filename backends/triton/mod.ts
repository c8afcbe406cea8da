/**
 * The triton kind's backends, loaded by its descriptor's create() (backends/triton/descriptor.ts):
 * HTTP or gRPC, chosen by -i.
 */
import type { Backend, BackendOptions } from "../../core/backend.ts";
import { createTritonGrpc } from "./grpc.ts";
import { createTritonHttp } from "./http.ts";
import type { TritonOptions } from "./options.ts";

export function createTritonBackend(options: BackendOptions<TritonOptions>): Backend {
  return options.protocol === "grpc" ? createTritonGrpc(options) : createTritonHttp(options);
}
