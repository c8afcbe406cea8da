/**
 * The check every unary PredictResponse passes before it counts as a success: well-formed
 * protobuf whose outputs (field 1, map<string, TensorProto> entries) and model_spec (field 2)
 * are length-delimited, each outputs entry's key (1) and value (2) too, all within their
 * lengths. A walk over tags and lengths; outputs are decoded only when captured (outputs.ts).
 */
import { LEN, ProtoReader, WireError } from "../../wire/grpc/proto_reader.ts";
import { fieldOf, lengthEnd } from "../shared/proto_walk.ts";

/** Why `message` is not a PredictResponse, or "" when its structure holds. */
export function predictResponseProblem(message: Uint8Array): string {
  try {
    const r = new ProtoReader(message, 0, message.length);
    while (r.more()) {
      const tag = r.varint();
      const field = fieldOf(tag);
      const wireType = tag & 7;
      if (field > 2) r.skip(wireType);
      else if (wireType !== LEN) throw new WireError(`field ${field} has wire type ${wireType}`);
      else if (field === 2) r.pos = lengthEnd(r);
      else mapEntry(r, lengthEnd(r));
    }
    return "";
  } catch (e) {
    if (e instanceof WireError) return `malformed PredictResponse: ${e.message}`;
    throw e;
  }
}

/** An outputs entry inside [r.pos, end): key = 1 (string), value = 2 (TensorProto). */
function mapEntry(r: ProtoReader, end: number): void {
  while (r.pos < end) {
    const tag = r.varint();
    const field = fieldOf(tag);
    const wireType = tag & 7;
    if (field > 2) r.skip(wireType);
    else if (wireType !== LEN) {
      throw new WireError(`outputs entry field ${field} has wire type ${wireType}`);
    } else r.pos = lengthEnd(r);
  }
  if (r.pos !== end) throw new WireError("an outputs entry's field runs past its end");
}
