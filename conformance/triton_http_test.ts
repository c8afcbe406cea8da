/** The conformance suite over the Triton HTTP backend, made by the built-in kind's descriptor. */
import triton from "../backends/triton/descriptor.ts";
import { tritonFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

await conformanceSuite("triton http", tritonFixture(triton, "http"));
