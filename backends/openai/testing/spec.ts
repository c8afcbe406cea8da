/**
 * Request specs as --input-data's "payload" input carries them, for the openai kind's tests
 * and the conformance suite.
 */
import type { RequestSpec } from "../../../core/backend.ts";
import { encodeStringElements } from "../../../wire/kserve/bytes_tensor.ts";
import { PAYLOAD_INPUT } from "../request.ts";

/** One request whose payload holds these raw JSON texts (one element each). */
export function payloadTextsSpec(payloads: readonly string[], model = "mock-llm"): RequestSpec {
  return {
    model,
    version: "",
    inputs: [{
      name: PAYLOAD_INPUT,
      datatype: "BYTES",
      shape: [payloads.length],
      bytes: encodeStringElements(payloads),
    }],
    outputs: [],
    batchSize: 1,
  };
}

/** One request whose payload is this body. */
export function payloadSpec(body: unknown, model = "mock-llm"): RequestSpec {
  return payloadTextsSpec([JSON.stringify(body)], model);
}
