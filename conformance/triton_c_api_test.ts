/**
 * The conformance suite over the triton_c_api backend, made by the built-in kind's descriptor,
 * on the C test double (backends/triton_c_api/testing/fake_lib.ts). Without a C compiler every
 * case is skipped with the reason, as the other C API tests are.
 */
import tritonCapi from "../backends/triton_c_api/descriptor.ts";
import { capiFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

await conformanceSuite("triton_c_api", capiFixture(tritonCapi));
