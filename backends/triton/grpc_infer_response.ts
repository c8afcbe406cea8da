/**
 * The check every unary ModelInferResponse passes before it counts as a success: its bytes are
 * a well-formed protobuf message whose known fields have the wire types of docs/protocols.md
 * §2.3, each output tensor's fields fit inside it, and raw_output_contents, when present, come
 * one per output. A walk over tags and lengths that decodes no value, whole or as the reply's
 * pieces arrive (a large raw_output_contents is counted past, never joined), so it costs little
 * next to the receive path; outputs are decoded only when captured (grpc_outputs.ts).
 */
import { LEN, type ProtoReader, VARINT, WireError } from "../../wire/grpc/proto_reader.ts";
import { fieldOf, lengthEnd, ReplyWalk } from "../shared/proto_walk.ts";

/**
 * The walk over one ModelInferResponse at a time: model_name, model_version, id, parameters,
 * outputs (5, each checked inside) and raw_output_contents (6, counted).
 */
export class InferResponseWalk extends ReplyWalk {
  #outputs = 0;
  #raw = 0;

  constructor() {
    super("ModelInferResponse", 6);
  }

  protected start(): void {
    this.#outputs = 0;
    this.#raw = 0;
  }

  protected nests(field: number): boolean {
    return field === 5;
  }

  protected field(field: number, r: ProtoReader | undefined, end: number): void {
    if (field === 5) {
      outputTensor(r!, end);
      this.#outputs++;
    } else if (field === 6) this.#raw++;
  }

  protected finish(): string {
    const raw = this.#raw;
    const outputs = this.#outputs;
    if (raw > 0 && raw !== outputs) {
      return `ModelInferResponse has ${raw} raw_output_contents for ${outputs} outputs`;
    }
    return "";
  }
}

/** One walk for whole messages: a check runs to its end before the next begins. */
const whole = new InferResponseWalk();

/**
 * Why `message` (or its bytes [start, end), a message nested in another) is not a
 * ModelInferResponse, or "" when its structure holds.
 */
export function inferResponseProblem(message: Uint8Array, start = 0, end = message.length): string {
  return whole.whole(message, start, end);
}

/**
 * InferOutputTensor inside [r.pos, end): name = 1, datatype = 2, shape = 3 (packed or one
 * varint each), parameters = 4, contents = 5. A field running past `end` is caught when the
 * walk does not land on `end` exactly.
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
