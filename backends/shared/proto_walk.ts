/**
 * Steps for checking a protobuf reply's structure without decoding it (the unary gRPC reply
 * checks of the triton and tfserving kinds): one cursor walks tags and lengths, nested
 * messages included, and nothing is allocated per field.
 */
import { type ProtoReader, WireError } from "../../wire/grpc/proto_reader.ts";

/** A tag's field number; 0 is not a valid one. */
export function fieldOf(tag: number): number {
  const field = Math.floor(tag / 8);
  if (field === 0) throw new WireError("field number 0");
  return field;
}

/** Where the length-delimited field at r.pos ends, checked against the message's end. */
export function lengthEnd(r: ProtoReader): number {
  const length = r.varint();
  if (length > r.end - r.pos) throw new WireError("field length exceeds the message");
  return r.pos + length;
}
