/**
 * The "torchserve" service kind (-i http only). The inference port has no metadata or
 * statistics API, so the model is synthesized and the report is client-side only.
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../../core/backend.ts";
import { UsageError } from "../../core/errors.ts";
import { parseChoice } from "../../core/cli/values.ts";
import type { TorchServeOptions } from "./options.ts";

const descriptor: BackendDescriptor<TorchServeOptions> = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "torchserve",
  title: "TorchServe",
  protocols: ["http"],
  // perf_analyzer keeps its HTTP default for torchserve (TorchServe itself listens on 8080).
  defaultUrl: { http: "localhost:8000" },
  capabilities: {
    headers: true,
    streaming: [],
    compression: false,
    requestTimeout: true,
    outputCapture: false,
  },
  help: {
    protocols: "",
    serverStats: "no (client-side only)",
    modes: "concurrency, request rate, intervals; needs --input-data JSON whose " +
      "TORCHSERVE_INPUT entries name the body files",
  },
  flags: [
    {
      long: "torchserve-body",
      ours: true,
      value: "<multipart|raw>",
      def: "multipart",
      help: "How each request carries its file: multipart form field 'data' (perf_analyzer's " +
        "way) or the raw file as the whole body (the handler's input 'body'), to measure the " +
        "encoding your clients use.",
      apply(o, v) {
        o.body = parseChoice("--torchserve-body", v, ["multipart", "raw"] as const);
      },
    },
  ],
  defaults: () => ({ body: "multipart" }),
  // perf_analyzer's rule: torchserve bodies come from the files JSON input data names.
  validate(_own, run) {
    if (run.inputData === "files") return;
    throw new UsageError(
      "--service-kind torchserve needs --input-data <file.json> naming the request body files: " +
        '{"data": [{"TORCHSERVE_INPUT": ["<path>"]}]}',
    );
  },
  async create(options) {
    const { createTorchServeBackend } = await import("./mod.ts");
    return createTorchServeBackend(options);
  },
};

export default descriptor;
