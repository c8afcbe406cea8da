import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { parseCommandLine } from "./command_line.ts";
import type { RunConfig } from "./config.ts";

function configOf(args: string[]): RunConfig {
  const r = parseCommandLine(["-m", "simple", ...args]);
  if (r.action !== "run") throw new Error(`expected a run, got ${r.action}`);
  return r.config;
}

function errorOf(args: string[]): string {
  try {
    parseCommandLine(["-m", "simple", ...args]);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`no error for ${args.join(" ")}`);
}

const TF = ["--service-kind", "tfserving"];

Deno.test("tfserving: -u defaults to TF Serving's ports, an explicit -u wins", () => {
  assertEquals(configOf([...TF, "-i", "grpc"]).url, "localhost:8500");
  assertEquals(configOf(TF).url, "localhost:8501");
  assertEquals(configOf([...TF, "-i", "grpc", "-u", "h:9"]).url, "h:9");
  // Other kinds keep Triton's.
  assertEquals(configOf(["-i", "grpc"]).url, "localhost:8001");
  assertEquals(configOf([]).url, "localhost:8000");
});

Deno.test("tfserving: --model-signature-name is read, and refused for other kinds", () => {
  assertEquals(
    configOf([...TF, "--model-signature-name", "predict"]).modelSignatureName,
    "predict",
  );
  assertEquals(configOf(TF).modelSignatureName, "");
  match(
    errorOf(["--model-signature-name", "predict"]),
    /^--model-signature-name is only used with --service-kind tfserving/,
  );
  match(errorOf([...TF, "--model-signature-name", ""]), /must not be empty/);
});

Deno.test("tfserving: no --streaming, no compression; --async is allowed", () => {
  match(
    errorOf([...TF, "-i", "grpc", "--streaming"]),
    /^--streaming is not supported with --service-kind tfserving: .* unary call; drop --streaming\.$/,
  );
  match(
    errorOf([...TF, "-i", "grpc", "--grpc-compression-algorithm", "gzip"]),
    /^--grpc-compression-algorithm gzip is not supported with --service-kind tfserving/,
  );
  assertEquals(configOf([...TF, "-i", "grpc", "--async"]).async, true);
});
