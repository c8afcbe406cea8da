/**
 * The "triton_c_api" service kind: libtritonserver.so loaded into this process with
 * Deno.dlopen (docs/protocols.md §6). There is no network protocol, so the descriptor lists
 * none: the run then ignores -i and -u the way perf_analyzer does, and says so when they were
 * changed. perf_analyzer's "no async, no request rate" limits are lifted: the backend is
 * asynchronous underneath, so every load mode works.
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../../core/backend.ts";
import { UsageError } from "../../core/errors.ts";
import { type CapiOptions, DEFAULT_SERVER_DIRECTORY } from "./options.ts";

const descriptor: BackendDescriptor<CapiOptions> = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "triton_c_api",
  title: "Triton C API",
  protocols: [],
  defaultUrl: {},
  capabilities: {
    // In-process calls carry no HTTP headers or gRPC metadata.
    headers: false,
    streaming: [],
    compression: false,
    requestTimeout: false,
    outputCapture: true,
  },
  help: {
    protocols: "none (Triton runs in this process)",
    serverStats: "yes (TRITONSERVER statistics)",
    modes: "as triton (sync, async, request rate); needs --triton-server-directory and " +
      "--model-repository",
  },
  flags: [
    {
      long: "triton-server-directory",
      value: "<dir>",
      def: DEFAULT_SERVER_DIRECTORY,
      help: "The Triton install whose lib/libtritonserver.so is loaded into this process " +
        "(lib/libpa_completion_queue.so from scripts/build_fake_tritonserver.sh is found " +
        "there or via PA_COMPLETION_QUEUE_LIB). Unlike perf_analyzer, --async and " +
        "request-rate modes work; -i and -u have no effect.",
      apply(o, v) {
        o.serverDirectory = v;
      },
    },
    {
      long: "model-repository",
      value: "<dir>",
      def: "",
      help: "(required): the model repository the in-process server loads.",
      apply(o, v) {
        o.modelRepository = v;
      },
    },
  ],
  defaults: () => ({ serverDirectory: DEFAULT_SERVER_DIRECTORY, modelRepository: "" }),
  validate(own) {
    if (own.serverDirectory === "") {
      throw new UsageError(
        "--triton-server-directory should not be empty when using service-kind=triton_c_api.",
      );
    }
    if (own.modelRepository === "") {
      throw new UsageError(
        "--model-repository should not be empty when using service-kind=triton_c_api " +
          "(give the model repository directory the in-process server loads).",
      );
    }
  },
  async create(options) {
    const { createCapiBackend } = await import("./mod.ts");
    return createCapiBackend(options);
  },
};

export default descriptor;
