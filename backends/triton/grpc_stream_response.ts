/**
 * Minimal reading of ModelStreamInferResponse: just what measurement needs (the error text, the
 * triton_final_response flag, whether outputs exist), as a walk over tags and lengths that
 * decodes nothing else, with its infer_response given the structural check every unary reply
 * gets (grpc_infer_response.ts). Like that check it runs on a whole message or on a large one's
 * pieces as they arrive, so a streamed 1 MiB reply is read without being joined. A full decode
 * per response would cost more than the rest of the receive path.
 */
import { LEN, ProtoReader, VARINT } from "../../wire/grpc/proto_reader.ts";
import { ReplyWalk } from "../shared/proto_walk.ts";
import { InferResponseWalk } from "./grpc_infer_response.ts";

const utf8 = new TextDecoder();
const FINAL_KEY = new TextEncoder().encode("triton_final_response");

/** What a {@link StreamResponseWalk} read of the last response it walked. */
export interface StreamResponseInfo {
  /** "" when the response reports no error. */
  errorMessage: string;
  /** parameters["triton_final_response"].bool_param, undefined when the server sent none. */
  finalFlag: boolean | undefined;
  /** Output tensors described (0 in Triton's empty final response). */
  outputCount: number;
}

/**
 * The walk over ModelStreamInferResponse: error_message = 1 (read), infer_response = 2 (walked
 * by its own check, which also reads the final flag and counts outputs). Reuse one per channel:
 * `info` holds the last response's values once its verdict is "".
 */
export class StreamResponseWalk extends ReplyWalk {
  readonly info: StreamResponseInfo = { errorMessage: "", finalFlag: undefined, outputCount: 0 };
  readonly #response = new StreamedInferResponseWalk(this.info);

  constructor() {
    super("ModelStreamInferResponse", 2);
  }

  protected start(): void {
    this.info.errorMessage = "";
    this.info.finalFlag = undefined;
    this.info.outputCount = 0;
  }

  protected nests(field: number): boolean {
    return field === 1;
  }

  protected override inner(field: number): ReplyWalk | undefined {
    return field === 2 ? this.#response : undefined;
  }

  protected field(_field: number, r: ProtoReader | undefined, end: number): void {
    this.info.errorMessage = utf8.decode(r!.buf.subarray(r!.pos, end));
  }

  protected finish(): string {
    return "";
  }
}

/** The unary reply's check, also reading parameters = 4 and counting outputs = 5 into `info`. */
class StreamedInferResponseWalk extends InferResponseWalk {
  constructor(private readonly info: StreamResponseInfo) {
    super();
  }

  protected override nests(field: number): boolean {
    return field === 4 || super.nests(field);
  }

  protected override field(field: number, r: ProtoReader | undefined, end: number): void {
    if (field === 4) return readParameterEntry(new ProtoReader(r!.buf, r!.pos, end), this.info);
    if (field === 5) this.info.outputCount++;
    super.field(field, r, end);
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
