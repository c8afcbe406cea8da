import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { configOf, usageErrorOf } from "../testing/cli.ts";
import type { TfServingOptions } from "./options.ts";

const TF = ["--service-kind", "tfserving"];
const own = (args: string[]) => configOf(args).own as TfServingOptions;

Deno.test("tfserving: -u defaults to TF Serving's ports, an explicit -u wins", () => {
  assertEquals(configOf([...TF, "-i", "grpc"]).url, "localhost:8500");
  assertEquals(configOf(TF).url, "localhost:8501");
  assertEquals(configOf([...TF, "-i", "grpc", "-u", "h:9"]).url, "h:9");
  // Other kinds keep theirs.
  assertEquals(configOf(["-i", "grpc"]).url, "localhost:8001");
  assertEquals(configOf([]).url, "localhost:8000");
});

Deno.test("tfserving: --model-signature-name is its own, and refused for other kinds", () => {
  assertEquals(own([...TF, "--model-signature-name", "predict"]).signatureName, "predict");
  assertEquals(own(TF).signatureName, undefined);
  assertEquals(
    usageErrorOf(["--model-signature-name", "predict"]),
    "--model-signature-name is only used with --service-kind tfserving (got --service-kind " +
      "triton); drop it.",
  );
  match(usageErrorOf([...TF, "--model-signature-name", ""]), /must not be empty/);
});

Deno.test("tfserving: no --streaming, gRPC compression; --async is allowed", () => {
  assertEquals(
    usageErrorOf([...TF, "-i", "grpc", "--streaming"]),
    "--streaming is not supported with --service-kind tfserving; drop it.",
  );
  const gzip = ["--grpc-compression-algorithm", "gzip"];
  assertEquals(configOf([...TF, "-i", "grpc", ...gzip]).grpcCompression, "gzip");
  assertEquals(
    usageErrorOf([...TF, "-i", "http", ...gzip]),
    "Using compression algorithm is only allowed with gRPC protocol.",
  );
  assertEquals(configOf([...TF, "-i", "grpc", "--async"]).async, true);
});
