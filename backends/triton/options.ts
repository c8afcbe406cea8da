/**
 * The triton kind's own flags, as parsed by its descriptor (backends/triton/descriptor.ts) and
 * read by its HTTP and gRPC backends. Light on purpose: --help loads this, not the backends.
 */
import type { BackendCapabilities, BackendOptions } from "../../core/backend.ts";

export interface TritonOptions {
  /**
   * --shared-memory: "system" passes tensors through /dev/shm regions registered with the
   * server ("cuda" is refused while parsing: no GPU support in this build).
   */
  sharedMemory: "none" | "system";
  /** --output-shared-memory-size: bytes of each output's window; undefined = not given. */
  outputSharedMemorySize: number | undefined;
  /** --input-tensor-format (HTTP only); undefined = not given, binary. */
  inputTensorFormat: "binary" | "json" | undefined;
  /** --output-tensor-format (HTTP only); undefined = not given, binary. */
  outputTensorFormat: "binary" | "json" | undefined;
  /**
   * --trace-level, --trace-rate, --trace-count, --log-frequency: the model's trace settings
   * for the run, by Triton's setting name; only the given ones are set (and then restored).
   */
  trace: TraceRequest;
}

/** The trace settings perf_analyzer's flags set, by Triton's name (docs/protocols.md §1.16). */
export type TraceKey = "trace_level" | "trace_rate" | "trace_count" | "log_frequency";

/** Each given trace setting's value, as Triton takes it (a string). */
export type TraceRequest = Partial<Record<TraceKey, string>>;

/** perf_analyzer's default --output-shared-memory-size, in bytes per output. */
export const DEFAULT_OUTPUT_SHM_SIZE = 102400;

export function defaultTritonOptions(): TritonOptions {
  return {
    sharedMemory: "none",
    outputSharedMemorySize: undefined,
    inputTensorFormat: undefined,
    outputTensorFormat: undefined,
    trace: {},
  };
}

/**
 * What a triton backend carries with these options: a decoupled model's many responses need
 * a gRPC stream; with shared memory, concurrent sequences would share output windows.
 */
export function tritonCapabilities(options: BackendOptions<TritonOptions>): BackendCapabilities {
  const stream = options.protocol === "grpc" && options.streaming === true;
  return {
    responses: stream ? "many" : "one",
    manyResponsesHint: "measure it with -i grpc --streaming",
    sequenceValidationRefusal: options.own.sharedMemory === "system"
      ? "with --shared-memory system (concurrent sequences would share output windows); " +
        "validate without --shared-memory, or drop validation_data to measure with it"
      : undefined,
  };
}
