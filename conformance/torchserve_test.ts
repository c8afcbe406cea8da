/** The conformance suite over the torchserve backend, made by the built-in kind's descriptor. */
import torchserve from "../backends/torchserve/descriptor.ts";
import { torchserveFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

await conformanceSuite("torchserve", torchserveFixture(torchserve));
