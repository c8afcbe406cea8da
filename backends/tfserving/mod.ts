/**
 * The tfserving kind's backends, loaded by its descriptor's create()
 * (backends/tfserving/descriptor.ts): PredictionService over gRPC, or the REST API. What the
 * kind supports (no --streaming: Predict is a unary RPC) is declared there and checked before
 * create().
 */
import type { Backend, BackendOptions } from "../../core/backend.ts";
import { createTfServingGrpc } from "./grpc.ts";
import type { TfServingOptions } from "./options.ts";
import { createTfServingRest } from "./rest.ts";

export function createTfServingBackend(options: BackendOptions<TfServingOptions>): Backend {
  return options.protocol === "grpc" ? createTfServingGrpc(options) : createTfServingRest(options);
}
