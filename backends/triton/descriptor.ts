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
import {
  DEFAULT_OUTPUT_SHM_SIZE,
  defaultTritonOptions,
  type TraceKey,
  type TritonOptions,
} from "./options.ts";

/** Triton's metrics port (tritonserver --metrics-port default). */
const METRICS_PORT = 8002;

const FORMATS = ["binary", "json"] as const;

/** Request parameters this backend sets itself (docs/protocols.md §1.11). */
const OWN_PARAMETERS = ["sequence_id", "sequence_start", "sequence_end"];

/** Over HTTP the request also carries this one (the default output format). */
const OWN_HTTP_PARAMETER = "binary_data_output";

/**
 * Names the backend sets itself would be overwritten, and Triton refuses every name starting
 * with "triton_" (reserved for its own use): both are usage errors, not a run of failures.
 */
function checkParameterNames(params: readonly RequestParameter[], protocol: string): void {
  for (const { name } of params) {
    if (protocol === "http" && name === OWN_HTTP_PARAMETER) {
      throw new UsageError(
        `--request-parameter ${name} is set by this tool over HTTP from ` +
          "--output-tensor-format; drop it.",
      );
    }
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

const TRACE_LEVELS = ["OFF", "TIMESTAMPS", "TENSORS"] as const;

/** A trace flag: its value, checked as perf_analyzer checks it, becomes Triton's setting `key`. */
function traceFlag(
  long: string,
  key: TraceKey,
  value: string,
  def: string,
  help: string,
  parse: (label: string, v: string) => string,
) {
  return {
    long,
    value,
    def,
    help,
    apply(o: TritonOptions, v: string) {
      o.trace[key] = parse(`--${long}`, v);
    },
  };
}

/** An integer of at least `min`, as the decimal string Triton's settings take. */
function integerAtLeast(min: number, rule: string) {
  return (label: string, v: string) => String(parseIntegerWhere(label, v, (n) => n >= min, rule));
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
    requestParameters: ["http", "grpc"],
  },
  help: {
    protocols: "KServe v2 / Triton HTTP, or Triton gRPC",
    serverStats: "yes (statistics extension)",
    modes: "concurrency, request rate, intervals, fixed schedule; sequences; --streaming " +
      "(gRPC, decoupled models); --request-parameter over gRPC (InferParameter " +
      "bool_param, int64_param, string_param of every ModelInferRequest) and over HTTP (the " +
      'request\'s JSON "parameters" object: true/false, integer, string)',
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
    traceFlag(
      "trace-level",
      "trace_level",
      "<OFF|TIMESTAMPS|TENSORS>",
      "OFF",
      "Triton trace level of the model. Each trace flag given is set for the model through " +
        "Triton's trace extension before the run, and the earlier value is put back " +
        "afterwards, also when the run fails or is interrupted.",
      (label, v) => parseChoice(label, v, TRACE_LEVELS),
    ),
    traceFlag(
      "trace-rate",
      "trace_rate",
      "<n>",
      "1000",
      "Triton trace sampling rate: one request in every n is traced (like --trace-level).",
      integerAtLeast(0, "The value must be >= 0."),
    ),
    traceFlag(
      "trace-count",
      "trace_count",
      "<n>",
      "-1",
      "Number of requests Triton traces, -1 = no limit (like --trace-level).",
      integerAtLeast(-1, "The value must be >= 0 or set to -1 (default)."),
    ),
    traceFlag(
      "log-frequency",
      "log_frequency",
      "<n>",
      "0",
      "Triton writes its trace file every n traces, 0 = only at the end (like --trace-level).",
      integerAtLeast(0, "The value must be >= 0."),
    ),
  ],
  defaults: defaultTritonOptions,
  validate(own, run) {
    checkParameterNames(run.requestParameters, run.protocol);
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
