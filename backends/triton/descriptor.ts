/**
 * The "triton" service kind: Triton and KServe v2 servers over HTTP (hand-written HTTP/1.1
 * client) or gRPC (our HTTP/2 client, compressed or not), chosen by -i.
 * The descriptor is all --help and the command line need; the backends load on create().
 */
import {
  BACKEND_CONTRACT_VERSION,
  type BackendDescriptor,
  type RequestParameter,
} from "../../core/backend.ts";
import { UsageError } from "../../core/errors.ts";
import { parseChoice, parseIntegerWhere } from "../../core/cli/values.ts";
import { DEFAULT_OUTPUT_SHM_SIZE, defaultTritonOptions, type TritonOptions } from "./options.ts";

/** Triton's metrics port (tritonserver --metrics-port default). */
const METRICS_PORT = 8002;

const FORMATS = ["binary", "json"] as const;

/** Request parameters this backend sets itself (docs/protocols.md §1.11). */
const OWN_PARAMETERS = ["sequence_id", "sequence_start", "sequence_end"];

/**
 * Names the backend sets itself would be overwritten, and Triton refuses every name starting
 * with "triton_" (reserved for its own use): both are usage errors, not a run of failures.
 */
function checkParameterNames(params: readonly RequestParameter[]): void {
  for (const { name } of params) {
    if (OWN_PARAMETERS.includes(name)) {
      throw new UsageError(
        `--request-parameter ${name} is set by perf_analyzer itself for sequence models; ` +
          "drop it.",
      );
    }
    if (name.startsWith("triton_")) {
      throw new UsageError(
        `--request-parameter ${name}: names starting with "triton_" are reserved for Triton ` +
          "and refused by the server; drop it.",
      );
    }
  }
}

const descriptor: BackendDescriptor<TritonOptions> = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "triton",
  title: "Triton",
  protocols: ["http", "grpc"],
  defaultUrl: { http: "localhost:8000", grpc: "localhost:8001" },
  capabilities: {
    headers: true,
    streaming: ["grpc"],
    compression: true,
    requestTimeout: true,
    outputCapture: true,
    metricsPort: METRICS_PORT,
    requestParameters: ["grpc"],
  },
  help: {
    protocols: "KServe v2 / Triton HTTP, or Triton gRPC",
    serverStats: "yes (statistics extension)",
    modes: "concurrency, request rate, intervals, fixed schedule; sequences; --streaming " +
      "(gRPC, decoupled models); --request-parameter over gRPC (InferParameter " +
      "bool_param, int64_param, string_param of every ModelInferRequest)",
  },
  banner: { batchSize: true },
  flags: [
    {
      long: "shared-memory",
      value: "<kind>",
      def: "none",
      help: "'system' passes tensors through /dev/shm regions registered with the server " +
        "(inputs written once, outputs read back only to validate), over HTTP and gRPC; every " +
        "region is unregistered and removed when the run ends, also on errors and Ctrl-C. " +
        "'cuda' is refused: this build has no GPU support.",
      apply(o, v) {
        const kind = parseChoice("--shared-memory", v, ["none", "system", "cuda"] as const);
        if (kind === "cuda") {
          throw new UsageError(
            "--shared-memory cuda needs a GPU build; this build has no CUDA support. " +
              "Use --shared-memory system (or none).",
          );
        }
        o.sharedMemory = kind;
      },
    },
    {
      long: "output-shared-memory-size",
      value: "<bytes>",
      def: String(DEFAULT_OUTPUT_SHM_SIZE),
      help: "With --shared-memory system: bytes of each output's window, times the batch " +
        "size; too small and the server refuses the request.",
      apply(o, v) {
        o.outputSharedMemorySize = parseIntegerWhere(
          "--output-shared-memory-size",
          v,
          (n) => n > 0,
          "The value must be > 0 (bytes of each output's shared memory window).",
        );
      },
    },
    {
      long: "input-tensor-format",
      value: "<binary|json>",
      def: "binary",
      help: "-i http: encoding of request tensors (gRPC always sends raw binary contents).",
      apply(o, v) {
        o.inputTensorFormat = parseChoice("--input-tensor-format", v, FORMATS);
      },
    },
    {
      long: "output-tensor-format",
      value: "<binary|json>",
      def: "binary",
      help: "-i http: encoding asked for response tensors.",
      apply(o, v) {
        o.outputTensorFormat = parseChoice("--output-tensor-format", v, FORMATS);
      },
    },
  ],
  defaults: defaultTritonOptions,
  validate(own, run) {
    checkParameterNames(run.requestParameters);
    if (own.outputSharedMemorySize !== undefined && own.sharedMemory === "none") {
      throw new UsageError("--output-shared-memory-size is only used with --shared-memory system.");
    }
    if (run.protocol !== "http") {
      const given = own.inputTensorFormat !== undefined
        ? "--input-tensor-format"
        : own.outputTensorFormat !== undefined
        ? "--output-tensor-format"
        : undefined;
      if (given !== undefined) {
        throw new UsageError(
          `${given} is only used with -i http: gRPC requests carry tensors as raw binary ` +
            "contents; drop it.",
        );
      }
    }
  },
  async create(options) {
    const { createTritonBackend } = await import("./mod.ts");
    return createTritonBackend(options);
  },
};

export default descriptor;
