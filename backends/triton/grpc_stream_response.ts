/**
 * Minimal protobuf reading of ModelStreamInferResponse: just what measurement needs (the error
 * text, the triton_final_response flag, whether outputs exist), walking the wire format and
 * skipping everything else by length, after the structural check every unary reply gets too
 * (grpc_infer_response.ts). A full decode per response would cost more than the
 * rest of the receive path.
 */
import { LEN, ProtoReader, VARINT, WireError } from "../../wire/grpc/proto_reader.ts";
import { inferResponseProblem } from "./grpc_infer_response.ts";

const utf8 = new TextDecoder();
const FINAL_KEY = new TextEncoder().encode("triton_final_response");

/** Filled by {@link readStreamResponse}; reuse one per channel. */
export interface StreamResponseInfo {
  /** "" when the response reports no error. */
  errorMessage: string;
  /** parameters["triton_final_response"].bool_param, undefined when the server sent none. */
  finalFlag: boolean | undefined;
  /** Output tensors described (0 in Triton's empty final response). */
  outputCount: number;
}

export function newStreamResponseInfo(): StreamResponseInfo {
  return { errorMessage: "", finalFlag: undefined, outputCount: 0 };
}

/**
 * Reads a ModelStreamInferResponse into `out`. Returns "" on success, else why the bytes are
 * not a valid message (the caller records a protocol error).
 */
export function readStreamResponse(buf: Uint8Array, out: StreamResponseInfo): string {
  out.errorMessage = "";
  out.finalFlag = undefined;
  out.outputCount = 0;
  try {
    const r = new ProtoReader(buf, 0, buf.length);
    while (r.more()) {
      const tag = r.varint();
      const field = Math.floor(tag / 8);
      const wireType = tag & 7;
      if (field === 1 && wireType === LEN) {
        const s = r.sub();
        out.errorMessage = utf8.decode(buf.subarray(s.pos, s.end));
      } else if (field === 2 && wireType === LEN) {
        const response = r.sub();
        const problem = inferResponseProblem(buf, response.pos, response.end);
        if (problem !== "") return problem;
        readInferResponse(response, out);
      } else if (field <= 2) throw new WireError(`field ${field} has wire type ${wireType}`);
      else r.skip(wireType);
    }
    return "";
  } catch (e) {
    if (e instanceof WireError) return `malformed ModelStreamInferResponse: ${e.message}`;
    throw e;
  }
}

/** ModelInferResponse: parameters = 4 (map entries), outputs = 5. */
function readInferResponse(r: ProtoReader, out: StreamResponseInfo): void {
  while (r.more()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 4 && wireType === LEN) readParameterEntry(r.sub(), out);
    else if (field === 5 && wireType === LEN) {
      r.sub();
      out.outputCount++;
    } else r.skip(wireType);
  }
}

/** map<string, InferParameter> entry: key = 1, value = 2; InferParameter.bool_param = 1. */
function readParameterEntry(r: ProtoReader, out: StreamResponseInfo): void {
  let isFinalKey = false;
  let value: ProtoReader | undefined;
  while (r.more()) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wireType = tag & 7;
    if (field === 1 && wireType === LEN) {
      const key = r.sub();
      isFinalKey = key.equals(FINAL_KEY);
    } else if (field === 2 && wireType === LEN) value = r.sub();
    else r.skip(wireType);
  }
  if (!isFinalKey) return;
  // An absent value or bool_param is proto3's default: false.
  let flag = false;
  while (value?.more()) {
    const tag = value.varint();
    if (tag === (1 << 3 | VARINT)) flag = value.varint() !== 0;
    else value.skip(tag & 7);
  }
  out.finalFlag = flag;
}
