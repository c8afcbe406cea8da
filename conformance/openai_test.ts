/** The conformance suite over the openai backend (non-streaming), made by its descriptor. */
import openai from "../backends/openai/descriptor.ts";
import { openaiFixture } from "./kinds.ts";
import { conformanceSuite } from "./mod.ts";

await conformanceSuite("openai", openaiFixture(openai));
