/**
 * Cross-option rules of --service-kind tfserving (reference perf_analyzer.md §1.3): Predict is
 * a unary RPC, so no --streaming, and --model-signature-name means nothing to another kind.
 * perf_analyzer's "gRPC only, no async" limits are lifted: -i http speaks TF Serving's REST
 * API, and every channel is asynchronous underneath, so --async and request-rate modes work.
 */
import type { RunConfig } from "./config.ts";
import { UsageError } from "../errors.ts";

/** TF Serving's gRPC port (perf_analyzer's tfserving default) and its usual REST port. */
export const TFSERVING_GRPC_URL = "localhost:8500";
export const TFSERVING_REST_URL = "localhost:8501";

export function finishTfServing(config: RunConfig): void {
  if (config.serviceKind !== "tfserving") {
    if (config.modelSignatureName !== "") {
      throw new UsageError(
        "--model-signature-name is only used with --service-kind tfserving (it names the " +
          "SavedModel signature TF Serving runs); drop it.",
      );
    }
    return;
  }
  if (config.streaming) {
    throw new UsageError(
      "--streaming is not supported with --service-kind tfserving: TF Serving's Predict is a " +
        "unary call; drop --streaming.",
    );
  }
  if (config.grpcCompression !== "none") {
    throw new UsageError(
      `--grpc-compression-algorithm ${config.grpcCompression} is not supported with ` +
        "--service-kind tfserving; leave it at none.",
    );
  }
}
