/**
 * The check every unary ModelInferResponse passes before it counts as a success: its bytes are
 * a well-formed protobuf message whose known fields have the wire types of docs/protocols.md
 * §2.3, each output tensor's fields fit inside it, and raw_output_contents, when present, come
 * one per output. A walk over tags and lengths that decodes no value and allocates one cursor,
 * so it costs little next to the receive path; outputs are decoded only when captured
 * (grpc_outputs.ts).
 */
import { LEN, ProtoReader, VARINT, WireError } from "../../wire/grpc/proto_reader.ts";
import { fieldOf, lengthEnd } from "../shared/proto_walk.ts";

/**
 * Why `message` (or its bytes [start, end), a message nested in another) is not a
 * ModelInferResponse, or "" when its structure holds.
 */
export function inferResponseProblem(message: Uint8Array, start = 0, end = message.length): string {
  try {
    const r = new ProtoReader(message, start, end);
    let outputs = 0;
    let raw = 0;
    while (r.more()) {
      const tag = r.varint();
      const field = fieldOf(tag);
      const wireType = tag & 7;
      // model_name, model_version, id, parameters, outputs, raw_output_contents.
      if (field > 6) {
        r.skip(wireType);
        continue;
      }
      if (wireType !== LEN) throw new WireError(`field ${field} has wire type ${wireType}`);
      const end = lengthEnd(r);
      if (field === 5) {
        outputTensor(r, end);
        outputs++;
      } else {
        if (field === 6) raw++;
        r.pos = end;
      }
    }
    if (raw > 0 && raw !== outputs) {
      return `ModelInferResponse has ${raw} raw_output_contents for ${outputs} outputs`;
    }
    return "";
  } catch (e) {
    if (e instanceof WireError) return `malformed ModelInferResponse: ${e.message}`;
    throw e;
  }
}

/**
 * InferOutputTensor inside [r.pos, end): name = 1, datatype = 2, shape = 3 (packed or one
 * varint each), parameters = 4, contents = 5. The same cursor walks it: a field running past
 * `end` is caught when the walk does not land on `end` exactly.
 */
function outputTensor(r: ProtoReader, end: number): void {
  while (r.pos < end) {
    const tag = r.varint();
    const field = fieldOf(tag);
    const wireType = tag & 7;
    if (field > 5 || (field === 3 && wireType === VARINT)) r.skip(wireType);
    else if (wireType !== LEN) {
      throw new WireError(`output tensor field ${field} has wire type ${wireType}`);
    } else r.pos = lengthEnd(r);
  }
  if (r.pos !== end) throw new WireError("an output tensor's field runs past its end");
}
