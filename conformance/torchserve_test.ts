/** The conformance suite over the torchserve backend, loaded through the registry. */
import { loadBackendFactory } from "../core/registry.ts";
import { torchserveFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

conformanceSuite("torchserve", torchserveFixture(await loadBackendFactory("torchserve")));
