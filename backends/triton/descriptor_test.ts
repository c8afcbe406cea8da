import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { configOf, usageErrorOf } from "../testing/cli.ts";
import type { TritonOptions } from "./options.ts";

const own = (args: string[]) => configOf(args).own as TritonOptions;

Deno.test("--shared-memory system over HTTP and gRPC; the size is given or left to the default", () => {
  const http = own(["--shared-memory", "system"]);
  assertEquals([http.sharedMemory, http.outputSharedMemorySize], ["system", undefined]);
  const grpc = configOf([
    "-i",
    "grpc",
    "--shared-memory=system",
    "--output-shared-memory-size",
    "64",
  ]);
  const g = grpc.own as TritonOptions;
  assertEquals([grpc.protocol, g.sharedMemory, g.outputSharedMemorySize], ["grpc", "system", 64]);
  assertEquals(own([]).sharedMemory, "none");
});

Deno.test("shared-memory values and combinations that cannot work are refused with a reason", () => {
  const cases: [string[], string][] = [
    [
      ["--shared-memory", "posix"],
      'Failed to parse --shared-memory. The value must be "none" or "system" or "cuda". Got ' +
      '"posix".',
    ],
    [
      ["--shared-memory", "cuda"],
      "--shared-memory cuda needs a GPU build; this build has no CUDA support. " +
      "Use --shared-memory system (or none).",
    ],
    [
      ["--shared-memory", "system", "--output-shared-memory-size", "0"],
      "Failed to parse --output-shared-memory-size. The value must be > 0 (bytes of each " +
      'output\'s shared memory window). Got "0".',
    ],
    [
      ["--output-shared-memory-size", "1024"],
      "--output-shared-memory-size is only used with --shared-memory system.",
    ],
    [
      ["--shared-memory", "system", "--service-kind", "torchserve", "--input-data", "x.json"],
      "--shared-memory is only used with --service-kind triton (got --service-kind torchserve); " +
      "drop it.",
    ],
  ];
  for (const [args, want] of cases) assertEquals(usageErrorOf(args), want, args.join(" "));
});

Deno.test("tensor formats: HTTP only, refused with -i grpc and with other kinds", () => {
  const json = own(["--input-tensor-format", "json", "--output-tensor-format", "json"]);
  assertEquals([json.inputTensorFormat, json.outputTensorFormat], ["json", "json"]);
  assertEquals(own([]).inputTensorFormat, undefined);
  assertEquals(
    usageErrorOf(["-i", "grpc", "--input-tensor-format", "json"]),
    "--input-tensor-format is only used with -i http: gRPC requests carry tensors as raw " +
      "binary contents; drop it.",
  );
  assertEquals(
    usageErrorOf(["-i", "grpc", "--output-tensor-format", "binary"]),
    "--output-tensor-format is only used with -i http: gRPC requests carry tensors as raw " +
      "binary contents; drop it.",
  );
  assertEquals(
    usageErrorOf(["--service-kind", "tfserving", "--input-tensor-format", "json"]),
    "--input-tensor-format is only used with --service-kind triton (got --service-kind " +
      "tfserving); drop it.",
  );
});

Deno.test("triton: default URLs per protocol, metrics on port 8002 of the -u host", () => {
  assertEquals(configOf([]).url, "localhost:8000");
  assertEquals(configOf(["-i", "grpc"]).url, "localhost:8001");
  assertEquals(
    configOf(["--collect-metrics", "-u", "10.0.0.5:8000"]).metricsUrl,
    "10.0.0.5:8002/metrics",
  );
  assertEquals(
    usageErrorOf(["--collect-metrics", "--service-kind", "tfserving"]),
    "Server-side metric collection is only supported with Triton client backend " +
      "(--service-kind triton); got --service-kind tfserving.",
  );
  assertEquals(
    usageErrorOf(["--streaming"]),
    "Streaming is only allowed with gRPC protocol (-i grpc).",
  );
});
