import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { configOf, usageErrorOf } from "../testing/cli.ts";
import type { CapiOptions } from "./options.ts";

const CAPI = ["--service-kind", "triton_c_api"];

Deno.test("triton_c_api: its flags reach its options; -u has no default", () => {
  const c = configOf([...CAPI, "--model-repository", "/m", "--triton-server-directory", "/t"]);
  assertEquals(c.own as CapiOptions, { serverDirectory: "/t", modelRepository: "/m" });
  assertEquals(c.url, "");
  const dflt = configOf([...CAPI, "--model-repository", "/m"]).own as CapiOptions;
  assertEquals(dflt.serverDirectory, "/opt/tritonserver");
});

Deno.test("triton_c_api: what an in-process server cannot do is refused with a reason", () => {
  const base = [...CAPI, "--model-repository", "/m"];
  const cases: [string[], string][] = [
    [
      CAPI,
      "--model-repository should not be empty when using service-kind=triton_c_api (give the " +
      "model repository directory the in-process server loads).",
    ],
    [
      [...base, "--triton-server-directory", ""],
      "--triton-server-directory should not be empty when using service-kind=triton_c_api.",
    ],
    [
      [...base, "-H", "a:b"],
      "-H is not supported with --service-kind triton_c_api: it sends no request headers; drop -H.",
    ],
    [
      [...base, "--request-timeout", "5"],
      "--request-timeout is not supported with --service-kind triton_c_api.",
    ],
    [
      [...base, "--streaming"],
      "--streaming is not supported with --service-kind triton_c_api; drop it.",
    ],
    [
      [...base, "--shared-memory", "system"],
      "--shared-memory is only used with --service-kind triton (got --service-kind " +
      "triton_c_api); drop it.",
    ],
    [
      ["--model-repository", "/m"],
      "--model-repository is only used with --service-kind triton_c_api (got --service-kind " +
      "triton); drop it.",
    ],
  ];
  for (const [args, want] of cases) assertEquals(usageErrorOf(args), want, args.join(" "));
});
