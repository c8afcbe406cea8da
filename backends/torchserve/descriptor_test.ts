import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { configOf, usageErrorOf } from "../testing/cli.ts";

Deno.test("torchserve: bodies come from JSON input data; HTTP only, no streaming", () => {
  const ts = ["--service-kind", "torchserve"];
  assertEquals(
    usageErrorOf(ts),
    "--service-kind torchserve needs --input-data <file.json> naming the request body files: " +
      '{"data": [{"TORCHSERVE_INPUT": ["<path>"]}]}',
  );
  const c = configOf([...ts, "--input-data", "b.json"]);
  assertEquals([c.serviceKind, c.url, c.own], ["torchserve", "localhost:8000", undefined]);
  assertEquals(
    usageErrorOf([...ts, "--input-data", "b.json", "-i", "grpc", "--streaming"]),
    "--streaming is not supported with --service-kind torchserve; drop it.",
  );
});
