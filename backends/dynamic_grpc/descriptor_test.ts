import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { parseCommandLine } from "../../core/cli/command_line.ts";
import { BUILT_IN_BACKENDS } from "../mod.ts";
import { configOf, usageErrorOf } from "../testing/cli.ts";

const KIND = ["--service-kind", "dynamic_grpc"];
const METHOD = ["--grpc-method", "pkg.Svc/Call"];

Deno.test("dynamic_grpc: gRPC without -i, needs --grpc-method and JSON input data", () => {
  const c = configOf([...KIND, ...METHOD, "--input-data", "d.json"]);
  assertEquals([c.protocol, c.url, c.own], ["grpc", "localhost:8001", { method: "pkg.Svc/Call" }]);
  assertEquals(
    usageErrorOf([...KIND, "--input-data", "d.json"]),
    "--service-kind dynamic_grpc needs --grpc-method <pkg.Service/Method>, the unary method to call",
  );
  assertEquals(
    usageErrorOf([...KIND, ...METHOD]),
    "--service-kind dynamic_grpc needs --input-data <file.json> naming the command that writes " +
      'the request messages: {"data": [{"message_generator": "<shell command>"}]}',
  );
  assertEquals(
    usageErrorOf([...KIND, ...METHOD, "--input-data", "d.json", "-i", "http"]),
    "--service-kind dynamic_grpc speaks gRPC only: drop -i http.",
  );
});

Deno.test("dynamic_grpc: -m may be left out; other kinds still require it", () => {
  const argv = [...KIND, ...METHOD, "--input-data", "d.json"];
  const r = parseCommandLine(argv, BUILT_IN_BACKENDS);
  assertEquals(r.action === "run" ? r.config.model : r.action, "");
  let message = "";
  try {
    parseCommandLine(["--service-kind", "tfserving"], BUILT_IN_BACKENDS);
  } catch (e) {
    message = (e as Error).message;
  }
  assertEquals(message, "-m flag must be specified");
});

Deno.test("--grpc-method takes pkg.Service/Method, and belongs to dynamic_grpc alone", () => {
  for (const bad of ["/pkg.Svc/Call", "pkg.Svc", "pkg.Svc/", "a b/C"]) {
    assertEquals(
      usageErrorOf([...KIND, "--grpc-method", bad, "--input-data", "d.json"]),
      `Failed to parse --grpc-method. The value must look like pkg.Service/Method. Got "${bad}".`,
    );
  }
  assertEquals(
    usageErrorOf(METHOD),
    "--grpc-method is only used with --service-kind dynamic_grpc (got --service-kind triton); " +
      "drop it.",
  );
});
