/**
 * Encodes an infer response: a JSON header, then one blob per binary output in the order the
 * outputs appear in the header (docs/protocols.md §1.6, §1.8). The blobs are views of the
 * outputs' storage and are sent as they are: joining a 16 MiB tensor to its header would cost
 * a fresh 16 MiB array and a copy per request, for nothing.
 */
import type { InferRequest } from "./infer_request.ts";
import type { ModelSpec, Tensor } from "../models/mod.ts";
import { tensorBlob, tensorJsonData } from "./tensor_codec.ts";
import { joinBytes } from "../../wire/bytes.ts";

export interface EncodedResponse {
  /**
   * A string when every output is JSON; else the body's parts: the header's bytes, then the
   * blobs (views, never written after encoding).
   */
  body: string | Uint8Array[];
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
  return { body: [head, ...blobs], headerLength: head.length };
}

/** Bodies up to this size are joined into one array: a copy that small costs less than a stream. */
const JOIN_LIMIT = 64 << 10;

/**
 * An HTTP body of `parts` in order and its length: joined when small, else a stream handing
 * each part over as it is, so a large tensor is never copied into a body array here.
 */
export function partsBody(parts: readonly Uint8Array[]): { body: BodyInit; length: number } {
  let length = 0;
  for (const p of parts) length += p.length;
  if (length <= JOIN_LIMIT) return { body: joinBytes(parts) as Uint8Array<ArrayBuffer>, length };
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const p of parts) controller.enqueue(p);
      controller.close();
    },
  });
  return { body, length };
}
