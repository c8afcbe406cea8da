/**
 * The "dynamic_grpc" service kind: any unary gRPC method (--grpc-method pkg.Service/Method),
 * request messages from the input data's `message_generator` command (docs/perf_analyzer.md
 * §4.2), sent over our HTTP/2 client. There is no metadata or statistics API to read, so the
 * model is synthesized and the report is client-side only.
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../../core/backend.ts";
import { UsageError } from "../../core/errors.ts";
import { valueError } from "../../core/cli/values.ts";
import type { DynamicGrpcOptions } from "./options.ts";

/** `pkg.Service/Method`: a dotted service name, a slash, a method name (no leading slash). */
const METHOD = /^[A-Za-z_][\w.]*\/[A-Za-z_]\w*$/;

const INPUT_FORM = '{"data": [{"message_generator": "<shell command>"}]}';

const descriptor: BackendDescriptor<DynamicGrpcOptions> = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "dynamic_grpc",
  title: "gRPC",
  protocols: ["grpc"],
  defaultUrl: { grpc: "localhost:8001" },
  // It calls a method, not a model: -m only names the run.
  modelOptional: true,
  capabilities: {
    // -H headers travel as call metadata, as with every gRPC kind.
    headers: true,
    streaming: [],
    compression: true,
    requestTimeout: true,
    outputCapture: false,
  },
  help: {
    protocols: "the only one, used without -i",
    serverStats: "no (client-side only)",
    modes: "concurrency, request rate, intervals; needs --grpc-method and --input-data JSON " +
      "whose message_generator command writes the request messages",
  },
  flags: [
    {
      long: "grpc-method",
      value: "<pkg.Service/Method>",
      def: "",
      help: "The unary gRPC method to call. Each request is one message the input data's " +
        "message_generator command wrote (4-byte little-endian length, then the serialized " +
        "message), sent round-robin; a reply with a non-OK status counts as a failed request.",
      apply(o, v) {
        if (!METHOD.test(v)) {
          throw valueError("--grpc-method", "The value must look like pkg.Service/Method.", v);
        }
        o.method = v;
      },
    },
  ],
  defaults: () => ({ method: "" }),
  // perf_analyzer's rules: the method is required, and the messages come from the input data.
  validate(own, run) {
    if (own.method === "") {
      throw new UsageError(
        "--service-kind dynamic_grpc needs --grpc-method <pkg.Service/Method>, the unary method " +
          "to call",
      );
    }
    if (run.protocol !== "grpc") {
      throw new UsageError("--service-kind dynamic_grpc speaks gRPC only: drop -i http.");
    }
    if (run.inputData !== "files") {
      throw new UsageError(
        "--service-kind dynamic_grpc needs --input-data <file.json> naming the command that " +
          `writes the request messages: ${INPUT_FORM}`,
      );
    }
  },
  async create(options) {
    const { createDynamicGrpcBackend } = await import("./mod.ts");
    return createDynamicGrpcBackend(options);
  },
};

export default descriptor;
