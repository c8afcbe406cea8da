/**
 * The triton kind's backends, loaded by its descriptor's create() (backends/triton/descriptor.ts):
 * HTTP or gRPC, chosen by -i. Each is imported only when chosen, so an HTTP run never loads the
 * HTTP/2 client, the gRPC code or protobufjs.
 */
import type { Backend, BackendOptions } from "../../core/backend.ts";
import type { TritonOptions } from "./options.ts";

export async function createTritonBackend(
  options: BackendOptions<TritonOptions>,
): Promise<Backend> {
  if (options.protocol === "grpc") {
    const { createTritonGrpc } = await import("./grpc.ts");
    return createTritonGrpc(options);
  }
  const { createTritonHttp } = await import("./http.ts");
  return createTritonHttp(options);
}
