/**
 * The conformance suite over the tfserving backend, loaded through the registry: -i grpc
 * against the reference server's TF Serving listener (PredictionService), -i http against its
 * REST API.
 */
import { loadBackendFactory } from "../core/registry.ts";
import { tfservingFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

const factory = await loadBackendFactory("tfserving");

conformanceSuite("tfserving grpc", tfservingFixture(factory, "grpc"));
conformanceSuite("tfserving http", tfservingFixture(factory, "http"));
