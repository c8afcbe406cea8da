/** The conformance suite over the Triton HTTP backend, loaded as the built-in kind. */
import { loadBackendFactory } from "../core/registry.ts";
import { tritonFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

conformanceSuite("triton http", tritonFixture(await loadBackendFactory("triton"), "http"));
