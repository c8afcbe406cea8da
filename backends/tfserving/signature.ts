/**
 * A TF Serving model's signature (GetModelMetadata "signature_def", docs/protocols.md §4.2) as the
 * tool's ModelInfo. TF has no max_batch_size: like perf_analyzer, a signature whose every input
 * has an unknown first dim (-1) takes a batch dimension, any other does not.
 */
import type { ModelInfo, TensorInfo } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { SIGNATURE_DEF_FIELD, tfMessages, type TfObject } from "../../wire/tfserving/proto.ts";
import { fromTfDtype, shapeOf } from "./tensor.ts";

/** The largest batch -b may ask for: TF Serving itself sets no limit. */
export const TF_MAX_BATCH = 2 ** 31 - 1;

/** The SignatureDefMap inside a GetModelMetadataResponse (an Any, or REST's plain JSON). */
export function signatureDefs(reply: TfObject): Record<string, TfObject> {
  const any = (reply.metadata as Record<string, TfObject> | undefined)?.[SIGNATURE_DEF_FIELD];
  if (any === undefined) {
    throw new RunError("the server's model metadata has no signature_def");
  }
  const map = any.value instanceof Uint8Array
    ? tfMessages().SignatureDefMap.decode(any.value)
    : any;
  return (map.signature_def ?? {}) as Record<string, TfObject>;
}

function tensors(
  model: string,
  signature: string,
  map: unknown,
): { name: string; dims: number[]; info: TensorInfo }[] {
  return Object.entries((map ?? {}) as Record<string, TfObject>).map(([name, t]) => {
    const datatype = fromTfDtype(t.dtype);
    if (datatype === undefined) {
      throw new RunError(
        `tensor '${name}' of signature '${signature}' of model '${model}' has dtype ` +
          `${String(t.dtype)}, which this tool cannot send or read`,
      );
    }
    const dims = shapeOf(t.tensor_shape);
    if (dims === undefined) {
      throw new RunError(
        `tensor '${name}' of signature '${signature}' of model '${model}' has an unknown ` +
          "rank; export the model with a known rank so requests can be shaped",
      );
    }
    return { name, dims, info: { name, datatype, shape: dims } };
  });
}

/** ModelInfo from the signature `signature`; names the signatures that exist when it is missing. */
export function modelInfoFromSignature(
  model: string,
  version: string,
  signature: string,
  defs: Record<string, TfObject>,
): ModelInfo {
  const def = defs[signature];
  if (def === undefined) {
    const have = Object.keys(defs).sort().join(", ") || "none";
    throw new RunError(
      `model '${model}' has no signature '${signature}' (it has: ${have}); ` +
        "pick one with --model-signature-name",
    );
  }
  const inputs = tensors(model, signature, def.inputs);
  const outputs = tensors(model, signature, def.outputs);
  const batched = inputs.length > 0 && inputs.every((t) => t.dims.length > 0 && t.dims[0] === -1);
  const strip = (t: { dims: number[]; info: TensorInfo }) =>
    batched ? { ...t.info, shape: t.dims.slice(1) } : t.info;
  return {
    name: model,
    version,
    platform: "tensorflow_serving",
    inputs: inputs.map(strip),
    outputs: outputs.map((t) => batched && t.dims[0] === -1 ? strip(t) : t.info),
    maxBatchSize: batched ? TF_MAX_BATCH : 0,
    sequence: false,
    responses: "one",
    dynamicBatching: false,
    responseCache: false,
    notes: [],
  };
}
