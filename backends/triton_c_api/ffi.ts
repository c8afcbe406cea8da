/**
 * The Deno FFI bindings of the triton_c_api backend: the TRITONSERVER_* symbols it uses
 * (signatures from docs/protocols.md §6.4) and the completion-queue shim (native/capi/
 * pa_completion_queue.c). Pointers the hot path passes back to C (requests, responses) are
 * declared "usize" so they travel as plain numbers read from the completion buffer, with no
 * pointer object allocated per request.
 */
import { RunError } from "../../core/errors.ts";

const E = "pointer" as const; // TRITONSERVER_Error*: null = success

export const TRITON_SYMBOLS = {
  TRITONSERVER_ApiVersion: { parameters: ["buffer", "buffer"], result: E },
  TRITONSERVER_ErrorCodeString: { parameters: ["pointer"], result: "pointer" },
  TRITONSERVER_ErrorMessage: { parameters: ["pointer"], result: "pointer" },
  TRITONSERVER_ErrorCode: { parameters: ["pointer"], result: "i32" },
  TRITONSERVER_ErrorDelete: { parameters: ["pointer"], result: "void" },
  TRITONSERVER_StringToDataType: { parameters: ["buffer"], result: "i32" },
  TRITONSERVER_DataTypeString: { parameters: ["i32"], result: "pointer" },
  TRITONSERVER_MessageSerializeToJson: { parameters: ["pointer", "buffer", "buffer"], result: E },
  TRITONSERVER_MessageDelete: { parameters: ["pointer"], result: E },
  TRITONSERVER_ServerOptionsNew: { parameters: ["buffer"], result: E },
  TRITONSERVER_ServerOptionsDelete: { parameters: ["pointer"], result: E },
  TRITONSERVER_ServerOptionsSetModelRepositoryPath: {
    parameters: ["pointer", "buffer"],
    result: E,
  },
  TRITONSERVER_ServerOptionsSetCudaMemoryPoolByteSize: {
    parameters: ["pointer", "i32", "u64"],
    result: E,
  },
  TRITONSERVER_ServerOptionsSetLogVerbose: { parameters: ["pointer", "i32"], result: E },
  TRITONSERVER_ServerOptionsSetLogInfo: { parameters: ["pointer", "bool"], result: E },
  TRITONSERVER_ServerOptionsSetBackendDirectory: { parameters: ["pointer", "buffer"], result: E },
  TRITONSERVER_ServerOptionsSetRepoAgentDirectory: { parameters: ["pointer", "buffer"], result: E },
  TRITONSERVER_ServerOptionsSetStrictModelConfig: { parameters: ["pointer", "bool"], result: E },
  TRITONSERVER_ServerOptionsSetMinSupportedComputeCapability: {
    parameters: ["pointer", "f64"],
    result: E,
  },
  // Loading a real model repository takes seconds: keep the event loop free meanwhile.
  TRITONSERVER_ServerNew: { parameters: ["buffer", "pointer"], result: E, nonblocking: true },
  TRITONSERVER_ServerDelete: { parameters: ["pointer"], result: E, nonblocking: true },
  TRITONSERVER_ServerIsLive: { parameters: ["pointer", "buffer"], result: E },
  TRITONSERVER_ServerIsReady: { parameters: ["pointer", "buffer"], result: E },
  TRITONSERVER_ServerMetadata: { parameters: ["pointer", "buffer"], result: E },
  TRITONSERVER_ServerModelIsReady: {
    parameters: ["pointer", "buffer", "i64", "buffer"],
    result: E,
  },
  TRITONSERVER_ServerModelMetadata: {
    parameters: ["pointer", "buffer", "i64", "buffer"],
    result: E,
  },
  TRITONSERVER_ServerModelConfig: {
    parameters: ["pointer", "buffer", "i64", "u32", "buffer"],
    result: E,
  },
  TRITONSERVER_ServerModelStatistics: {
    parameters: ["pointer", "buffer", "i64", "buffer"],
    result: E,
  },
  TRITONSERVER_ResponseAllocatorNew: {
    parameters: ["buffer", "pointer", "pointer", "pointer"],
    result: E,
  },
  TRITONSERVER_ResponseAllocatorDelete: { parameters: ["pointer"], result: E },
  TRITONSERVER_InferenceRequestNew: {
    parameters: ["buffer", "pointer", "buffer", "i64"],
    result: E,
  },
  TRITONSERVER_InferenceRequestDelete: { parameters: ["usize"], result: E },
  TRITONSERVER_InferenceRequestSetId: { parameters: ["usize", "buffer"], result: E },
  TRITONSERVER_InferenceRequestSetCorrelationId: { parameters: ["usize", "u64"], result: E },
  TRITONSERVER_InferenceRequestSetCorrelationIdString: {
    parameters: ["usize", "buffer"],
    result: E,
  },
  TRITONSERVER_InferenceRequestSetFlags: { parameters: ["usize", "u32"], result: E },
  TRITONSERVER_InferenceRequestSetTimeoutMicroseconds: { parameters: ["usize", "u64"], result: E },
  TRITONSERVER_InferenceRequestAddInput: {
    parameters: ["usize", "buffer", "i32", "buffer", "u64"],
    result: E,
  },
  TRITONSERVER_InferenceRequestAppendInputData: {
    parameters: ["usize", "buffer", "buffer", "usize", "i32", "i64"],
    result: E,
  },
  TRITONSERVER_InferenceRequestAddRequestedOutput: { parameters: ["usize", "buffer"], result: E },
  TRITONSERVER_InferenceRequestSetReleaseCallback: {
    parameters: ["usize", "pointer", "pointer"],
    result: E,
  },
  TRITONSERVER_InferenceRequestSetResponseCallback: {
    parameters: ["usize", "pointer", "pointer", "pointer", "pointer"],
    result: E,
  },
  TRITONSERVER_ServerInferAsync: { parameters: ["pointer", "usize", "pointer"], result: E },
  TRITONSERVER_InferenceResponseError: { parameters: ["usize"], result: E },
  TRITONSERVER_InferenceResponseDelete: { parameters: ["usize"], result: E },
  TRITONSERVER_InferenceResponseOutputCount: { parameters: ["usize", "buffer"], result: E },
  TRITONSERVER_InferenceResponseOutput: {
    parameters: [
      "usize",
      "u32",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
      "buffer",
    ],
    result: E,
  },
} as const;

export const QUEUE_SYMBOLS = {
  pa_cq_new: { parameters: [], result: "pointer" },
  pa_cq_delete: { parameters: ["pointer"], result: "void" },
  pa_cq_tag_new: { parameters: ["pointer", "u64"], result: "pointer" },
  pa_cq_tag_delete: { parameters: ["pointer"], result: "void" },
  pa_cq_response_fn: { parameters: [], result: "pointer" },
  pa_cq_release_fn: { parameters: [], result: "pointer" },
  pa_cq_alloc_fn: { parameters: [], result: "pointer" },
  pa_cq_alloc_release_fn: { parameters: [], result: "pointer" },
  pa_cq_poll: { parameters: ["pointer", "buffer", "u32"], result: "u32" },
  pa_cq_wait: { parameters: ["pointer", "buffer", "u32", "i32"], result: "u32", nonblocking: true },
  pa_cq_shutdown: { parameters: ["pointer"], result: "void" },
} as const;

export type TritonLib = Deno.DynamicLibrary<typeof TRITON_SYMBOLS>["symbols"];
export type QueueLib = Deno.DynamicLibrary<typeof QUEUE_SYMBOLS>["symbols"];

/** File name of the shim the build script puts next to the (fake) libtritonserver.so. */
export const QUEUE_LIBRARY = "libpa_completion_queue.so";
/** Where to find the shim when the Triton install does not have it (a real Triton). */
export const QUEUE_LIBRARY_ENV = "PA_COMPLETION_QUEUE_LIB";

function exists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Opens a library by path, turning a missing file or a missing symbol into a clear RunError. */
export function openLibrary<S extends Deno.ForeignLibraryInterface>(
  path: string,
  symbols: S,
  hint: string,
): Deno.DynamicLibrary<S> {
  if (!exists(path)) throw new RunError(`cannot find ${path}: ${hint}`);
  try {
    return Deno.dlopen(path, symbols);
  } catch (e) {
    throw new RunError(`cannot load ${path}: ${(e as Error).message}`);
  }
}

/** The shim's path: beside libtritonserver.so, else $PA_COMPLETION_QUEUE_LIB. */
export function queueLibraryPath(serverDir: string): string {
  const beside = `${serverDir}/lib/${QUEUE_LIBRARY}`;
  if (exists(beside)) return beside;
  return Deno.env.get(QUEUE_LIBRARY_ENV) ?? beside;
}

const encoder = new TextEncoder();

/** A NUL-terminated copy of `s` for `const char*` parameters. */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  return encoder.encode(s + "\0");
}
