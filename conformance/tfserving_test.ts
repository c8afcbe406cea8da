/**
 * The conformance suite over the tfserving backend, made by the built-in kind's descriptor:
 * -i grpc against the reference server's TF Serving listener (PredictionService), -i http
 * against its REST API.
 */
import tfserving from "../backends/tfserving/descriptor.ts";
import { tfservingFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

await conformanceSuite("tfserving grpc", tfservingFixture(tfserving, "grpc"));
await conformanceSuite("tfserving http", tfservingFixture(tfserving, "http"));
