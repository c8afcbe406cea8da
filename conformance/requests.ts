/**
 * Requests for the contract suite, built from what a backend's describe() reported for
 * `simple`: tensor backends get the INT32 [batch,16] pair, a backend whose one input is
 * TORCHSERVE_INPUT (a file path) gets files holding the reference handler's JSON body.
 */
import type { ModelInfo, RequestSpec } from "../core/backend.ts";
import { encodeStringElements } from "../wire/kserve/bytes_tensor.ts";

export interface ContractRequests {
  /** One the server accepts (one execution of `simple`). */
  valid: RequestSpec;
  /** One the server must refuse (wrong element count). */
  invalid: RequestSpec;
}

const FILE_INPUT = "TORCHSERVE_INPUT";

function fileRequest(dir: string, name: string, body: unknown): RequestSpec {
  const path = `${dir}/${name}`;
  Deno.writeTextFileSync(path, JSON.stringify(body));
  return {
    model: "simple",
    version: "",
    inputs: [
      { name: FILE_INPUT, datatype: "BYTES", shape: [1], bytes: encodeStringElements([path]) },
    ],
    outputs: [],
    batchSize: 1,
  };
}

export function contractRequests(
  info: ModelInfo,
  dir: string,
  simpleSpec: (batch: number, elements?: number) => RequestSpec,
): ContractRequests {
  if (info.inputs.length === 1 && info.inputs[0].name === FILE_INPUT) {
    const a = Array.from({ length: 16 }, (_, i) => i);
    return {
      valid: fileRequest(dir, "valid.json", { INPUT0: a, INPUT1: a }),
      invalid: fileRequest(dir, "invalid.json", { INPUT0: a.slice(0, 8), INPUT1: a }),
    };
  }
  return { valid: simpleSpec(1), invalid: simpleSpec(1, 8) };
}
