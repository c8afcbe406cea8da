/**
 * Encodes an infer response: a JSON header, then one blob per binary output in the order the
 * outputs appear in the header (docs/protocols.md §1.6, §1.8).
 */
import type { InferRequest } from "./infer_request.ts";
import type { ModelSpec, Tensor } from "../models/mod.ts";
import { tensorBlob, tensorJsonData } from "./tensor_codec.ts";

export interface EncodedResponse {
  /** A string when every output is JSON; header plus blobs otherwise. */
  body: string | Uint8Array;
  /** Inference-Header-Content-Length when the body carries blobs. */
  headerLength: number | undefined;
}

interface OutputJson {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: { binary_data_size: number };
  data?: unknown[];
}

const encoder = new TextEncoder();

export function encodeInferResponse(
  spec: ModelSpec,
  req: InferRequest,
  outputs: ReadonlyMap<string, Tensor>,
): EncodedResponse {
  const blobs: Uint8Array[] = [];
  const outJson: OutputJson[] = [];
  for (const requested of req.outputs) {
    const t = outputs.get(requested.name);
    // An output the model did not produce is left out, as Triton does.
    if (t === undefined) continue;
    if (requested.shm !== undefined) {
      // The data went to the region; the reply only describes the tensor.
      requested.shm.registry.write(requested.shm, requested.name, tensorBlob(t.values));
      outJson.push({ name: requested.name, datatype: t.datatype, shape: t.shape });
    } else if (requested.binary) {
      const blob = tensorBlob(t.values);
      blobs.push(blob);
      outJson.push({
        name: requested.name,
        datatype: t.datatype,
        shape: t.shape,
        parameters: { binary_data_size: blob.length },
      });
    } else {
      outJson.push({
        name: requested.name,
        datatype: t.datatype,
        shape: t.shape,
        data: tensorJsonData(t),
      });
    }
  }
  // Key order as Triton writes it: id (only when non-empty), model_name, model_version, outputs.
  const header: Record<string, unknown> = {};
  if (req.id !== "") header.id = req.id;
  header.model_name = spec.name;
  header.model_version = spec.version;
  header.outputs = outJson;
  const json = JSON.stringify(header);
  if (blobs.length === 0) return { body: json, headerLength: undefined };
  const head = encoder.encode(json);
  let total = head.length;
  for (const b of blobs) total += b.length;
  const body = new Uint8Array(total);
  body.set(head, 0);
  let offset = head.length;
  for (const b of blobs) {
    body.set(b, offset);
    offset += b.length;
  }
  return { body, headerLength: head.length };
}
