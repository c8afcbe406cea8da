/**
 * The tfserving kind's backends, loaded by its descriptor's create()
 * (backends/tfserving/descriptor.ts): PredictionService over gRPC, or the REST API.
 */
import type { Backend, BackendOptions } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { createTfServingGrpc } from "./grpc.ts";
import type { TfServingOptions } from "./options.ts";
import { createTfServingRest } from "./rest.ts";

export function createTfServingBackend(options: BackendOptions<TfServingOptions>): Backend {
  if (options.streaming) {
    // The descriptor declares no streaming, so the CLI refuses it first; this guards direct use.
    throw new RunError(
      "--streaming is not supported with --service-kind tfserving: TF Serving's Predict " +
        "is a unary RPC; drop --streaming",
    );
  }
  return options.protocol === "grpc" ? createTfServingGrpc(options) : createTfServingRest(options);
}
