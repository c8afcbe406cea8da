/**
 * The check every unary PredictResponse passes before it counts as a success: well-formed
 * protobuf whose outputs (field 1, map<string, TensorProto> entries) and model_spec (field 2)
 * are length-delimited, each outputs entry's key (1) and value (2) too, all within their
 * lengths. A walk over tags and lengths, whole or as the reply's pieces arrive; outputs are
 * decoded only when captured (outputs.ts).
 */
import { LEN, type ProtoReader, WireError } from "../../wire/grpc/proto_reader.ts";
import { fieldOf, lengthEnd, ReplyWalk } from "../shared/proto_walk.ts";

/** The walk over one PredictResponse at a time; each outputs entry is checked inside. */
export class PredictResponseWalk extends ReplyWalk {
  constructor() {
    super("PredictResponse", 2);
  }

  protected start(): void {}

  protected nests(field: number): boolean {
    return field === 1;
  }

  protected field(field: number, r: ProtoReader | undefined, end: number): void {
    if (field === 1) mapEntry(r!, end);
  }

  protected finish(): string {
    return "";
  }
}

/** One walk for whole messages: a check runs to its end before the next begins. */
const whole = new PredictResponseWalk();

/** Why `message` is not a PredictResponse, or "" when its structure holds. */
export function predictResponseProblem(message: Uint8Array): string {
  return whole.whole(message);
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
