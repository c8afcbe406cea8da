/**
 * The conformance suite over the triton_c_api backend, loaded as the built-in kind, on the C
 * test double (backends/triton_c_api/testing/fake_lib.ts). Without a C compiler every case is
 * skipped with the reason, as the other C API tests are.
 */
import { loadBackendFactory } from "../core/registry.ts";
import { capiFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

conformanceSuite("triton_c_api", capiFixture(await loadBackendFactory("triton_c_api")));
