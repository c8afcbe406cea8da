/**
 * The "tfserving" service kind (protocols.md §4): -i grpc speaks PredictionService like
 * perf_analyzer; -i http speaks the REST API (an extension perf_analyzer lacks). Unary
 * requests only (no --streaming) and a client-side report: TF Serving keeps no statistics.
 */
import {
  type Backend,
  BACKEND_CONTRACT_VERSION,
  type BackendFactory,
  type BackendOptions,
} from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { createTfServingGrpc } from "./grpc.ts";
import { createTfServingRest } from "./rest.ts";

const factory: BackendFactory = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "tfserving",
  protocols: ["grpc", "http"],
  create(options: BackendOptions): Backend {
    if (options.streaming) {
      throw new RunError(
        "--streaming is not supported with --service-kind tfserving: TF Serving's Predict " +
          "is a unary RPC; drop --streaming",
      );
    }
    return options.protocol === "grpc"
      ? createTfServingGrpc(options)
      : createTfServingRest(options);
  },
};

export default factory;
