/**
 * The "tfserving" service kind (docs/protocols.md §4): -i grpc speaks PredictionService like
 * perf_analyzer; -i http speaks the REST API (an extension perf_analyzer lacks). Unary
 * requests only (no --streaming) and a client-side report: TF Serving keeps no statistics.
 * perf_analyzer's "gRPC only, no async" limits are lifted: every channel is asynchronous
 * underneath, so --async and request-rate modes work.
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../../core/backend.ts";
import { valueError } from "../../core/cli/values.ts";
import type { TfServingOptions } from "./options.ts";

const descriptor: BackendDescriptor<TfServingOptions> = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "tfserving",
  title: "TF Serving",
  protocols: ["grpc", "http"],
  // TF Serving's gRPC port (perf_analyzer's tfserving default) and its usual REST port.
  defaultUrl: { grpc: "localhost:8500", http: "localhost:8501" },
  capabilities: {
    headers: true,
    streaming: [],
    // gzip/deflate: TF Serving is a standard gRPC C++ server, which inflates both.
    compression: true,
    requestTimeout: true,
    outputCapture: true,
  },
  help: {
    protocols: "http = REST API",
    serverStats: "no (client-side only)",
    modes: "concurrency, request rate, intervals, --async (perf_analyzer: gRPC sync only); " +
      "no --streaming; --model-signature-name picks the signature",
  },
  banner: { name: "TENSORFLOW_SERVING" },
  flags: [
    {
      long: "model-signature-name",
      value: "<name>",
      def: "serving_default",
      help: "The SavedModel signature to describe and run.",
      apply(o, v) {
        if (v === "") throw valueError("--model-signature-name", "The value must not be empty.", v);
        o.signatureName = v;
      },
    },
  ],
  defaults: () => ({ signatureName: undefined }),
  async create(options) {
    const { createTfServingBackend } = await import("./mod.ts");
    return createTfServingBackend(options);
  },
};

export default descriptor;
