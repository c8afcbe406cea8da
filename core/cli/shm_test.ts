import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCommandLine } from "./command_line.ts";
import type { RunConfig } from "./config.ts";
import { UsageError } from "../errors.ts";

function configOf(args: string[]): RunConfig {
  const result = parseCommandLine(["-m", "simple", ...args]);
  if (result.action !== "run") throw new Error(`expected a run, got ${result.action}`);
  return result.config;
}

function refused(args: string[], message: string): void {
  let got = "";
  try {
    parseCommandLine(["-m", "simple", ...args]);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    got = e.message;
  }
  assertEquals(got, message, args.join(" "));
}

Deno.test("--shared-memory system over HTTP and gRPC; sizes default to perf_analyzer's", () => {
  const http = configOf(["--shared-memory", "system"]);
  assertEquals([http.sharedMemory, http.outputSharedMemorySize], ["system", 102400]);
  const grpc = configOf([
    "-i",
    "grpc",
    "--shared-memory=system",
    "--output-shared-memory-size",
    "64",
  ]);
  assertEquals([grpc.protocol, grpc.sharedMemory, grpc.outputSharedMemorySize], [
    "grpc",
    "system",
    64,
  ]);
  assertEquals(configOf([]).sharedMemory, "none");
});

Deno.test("shared-memory values and combinations that cannot work are refused with a reason", () => {
  refused(
    ["--shared-memory", "posix"],
    'Failed to parse --shared-memory. The value must be "none" or "system" or "cuda". Got "posix".',
  );
  refused(
    ["--shared-memory", "cuda"],
    "--shared-memory cuda needs a GPU build; this build has no CUDA support. " +
      "Use --shared-memory system (or none).",
  );
  refused(
    ["--shared-memory", "system", "--output-shared-memory-size", "0"],
    "Failed to parse --output-shared-memory-size. The value must be > 0 (bytes of each " +
      'output\'s shared memory window). Got "0".',
  );
  refused(
    ["--output-shared-memory-size", "1024"],
    "--output-shared-memory-size is only used with --shared-memory system.",
  );
  refused(
    ["--shared-memory", "system", "--service-kind", "torchserve", "--input-data", "x.json"],
    "--shared-memory system is only supported with --service-kind triton (got 'torchserve'); " +
      "the C API kind passes tensors in process already.",
  );
});
