/**
 * --shared-memory and --output-shared-memory-size (reference §1.2, group SHM). System shared
 * memory works with the triton kind over HTTP and gRPC. CUDA shared memory needs a GPU build,
 * which this one is not, and the C API kind has none (as in perf_analyzer): both are refused
 * with a reason instead of being accepted and ignored.
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import { UsageError } from "../errors.ts";
import { parseChoice, parseIntegerWhere } from "./values.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const SHM_HANDLERS: Record<"shared-memory" | "output-shared-memory-size", Handler> = {
  "shared-memory": (c, _s, v) => {
    c.sharedMemory = parseChoice("--shared-memory", v, ["none", "system", "cuda"] as const);
  },
  "output-shared-memory-size": (c, _s, v) => {
    c.outputSharedMemorySize = parseIntegerWhere(
      "--output-shared-memory-size",
      v,
      (n) => n > 0,
      "The value must be > 0 (bytes of each output's shared memory window).",
    );
    c.outputSharedMemorySizeSet = true;
  },
};

export function finishShm(config: RunConfig): void {
  if (config.sharedMemory === "none") {
    if (config.outputSharedMemorySizeSet) {
      throw new UsageError(
        "--output-shared-memory-size is only used with --shared-memory system.",
      );
    }
    return;
  }
  if (config.sharedMemory === "cuda") {
    throw new UsageError(
      "--shared-memory cuda needs a GPU build; this build has no CUDA support. " +
        "Use --shared-memory system (or none).",
    );
  }
  if (config.serviceKind !== "triton") {
    throw new UsageError(
      `--shared-memory system is only supported with --service-kind triton (got ` +
        `'${config.serviceKind}'); the C API kind passes tensors in process already.`,
    );
  }
}
