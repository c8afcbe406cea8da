import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { configOf, usageErrorOf } from "../testing/cli.ts";
import type { TorchServeOptions } from "./options.ts";

Deno.test("torchserve: bodies come from JSON input data; HTTP only, no streaming", () => {
  const ts = ["--service-kind", "torchserve"];
  assertEquals(
    usageErrorOf(ts),
    "--service-kind torchserve needs --input-data <file.json> naming the request body files: " +
      '{"data": [{"TORCHSERVE_INPUT": ["<path>"]}]}',
  );
  const c = configOf([...ts, "--input-data", "b.json"]);
  assertEquals([c.serviceKind, c.url, c.own], ["torchserve", "localhost:8000", {
    body: "multipart",
  }]);
  assertEquals(
    usageErrorOf([...ts, "--input-data", "b.json", "-i", "grpc", "--streaming"]),
    "--streaming is not supported with --service-kind torchserve; drop it.",
  );
});

Deno.test("--torchserve-body picks the body encoding, and belongs to torchserve alone", () => {
  const ts = ["--service-kind", "torchserve", "--input-data", "b.json"];
  const raw = configOf([...ts, "--torchserve-body", "raw"]).own as TorchServeOptions;
  assertEquals(raw.body, "raw");
  assertEquals(
    usageErrorOf([...ts, "--torchserve-body", "json"]),
    'Failed to parse --torchserve-body. The value must be "multipart" or "raw". Got "json".',
  );
  assertEquals(
    usageErrorOf(["--torchserve-body", "raw"]),
    "--torchserve-body is only used with --service-kind torchserve (got --service-kind triton); " +
      "drop it.",
  );
});
