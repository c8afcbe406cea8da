/**
 * The outputs of a successful PredictResponse in wire form, for backends created with
 * captureOutputs. TF Serving answers with typed *_val lists by default and tensor_content when
 * asked; both are read (backends/tfserving/tensor.ts).
 */
import { RunError } from "../../core/errors.ts";
import type { OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import { captureInto, checkedOutput, OutputDecodeError } from "../shared/output_tensor.ts";
import { tfMessages, type TfObject } from "../../wire/tfserving/proto.ts";
import { wireTensor } from "./tensor.ts";

/** Fills `record.outputs` from a map of output name -> TensorProto object. */
export function decodeTfOutputs(outputs: Record<string, TfObject>, out: OutputTensor[]): void {
  for (const [name, proto] of Object.entries(outputs)) {
    try {
      const t = wireTensor(name, proto);
      out.push(checkedOutput(name, t.datatype, t.shape, t.bytes));
    } catch (e) {
      if (e instanceof RunError) {
        throw new OutputDecodeError(e.message.replace(/^tensor /, "output "));
      }
      throw e;
    }
  }
}

/** The unary channel's capture hook for PredictResponse messages. */
export function capturePredictOutputs(
  message: Uint8Array,
  record: RequestRecord,
  ns: number,
): void {
  if (record.outputs.length > 0 || record.outcome !== "ok") return;
  captureInto(record, ns, (out) => {
    let reply: TfObject;
    try {
      reply = tfMessages().PredictResponse.decode(message);
    } catch (e) {
      throw new OutputDecodeError(`PredictResponse does not decode: ${(e as Error).message}`);
    }
    decodeTfOutputs((reply.outputs ?? {}) as Record<string, TfObject>, out);
  });
}
