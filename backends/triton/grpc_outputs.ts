/**
 * The outputs of a successful ModelInferResponse in wire form, for backends created with
 * captureOutputs (the measurement path only skims responses, see grpc_stream_response.ts). Field
 * numbers are docs/protocols.md §2.3. Triton answers with raw_output_contents, one entry per output
 * in order; a server that fills the typed InferOutputTensor.contents instead is read too, its
 * values encoded the way raw contents would carry them.
 */
import { encodeBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import type { OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import type { JsonElement } from "../../core/data/tensor_codec.ts";
import {
  FIXED32,
  FIXED64,
  LEN,
  ProtoReader,
  VARINT,
  WireError,
} from "../../wire/grpc/proto_reader.ts";
import {
  captureInto,
  checkedOutput,
  outputDataType,
  OutputDecodeError,
  outputFromValues,
  outputShape,
} from "../shared/output_tensor.ts";
import type { RegionReader } from "./shm_regions.ts";
import { copyJoined } from "../../wire/bytes.ts";

const utf8 = new TextDecoder();

/**
 * Fills `record.outputs` from a unary ModelInferResponse, or fails the record. Only the first
 * response is kept, as for streams.
 */
export function captureUnaryOutputs(
  message: Uint8Array,
  record: RequestRecord,
  ns: number,
  region?: RegionReader,
): void {
  if (record.outputs.length > 0 || record.outcome !== "ok") return;
  captureInto(record, ns, (out) => decodeInferOutputs(message, out, region));
}

/**
 * Same for the infer_response (field 2) of a ModelStreamInferResponse. A decoupled request
 * may get several responses: the first one carrying outputs is kept (`outputCount` is what
 * the measurement path already counted), later ones are not decoded again.
 */
export function captureStreamOutputs(
  message: Uint8Array,
  outputCount: number,
  record: RequestRecord,
  ns: number,
  region?: RegionReader,
): void {
  if (outputCount === 0 || record.outputs.length > 0 || record.outcome !== "ok") return;
  captureInto(record, ns, (out) => decodeStreamOutputs(message, out, region));
}

export function decodeStreamOutputs(
  message: Uint8Array,
  out: OutputTensor[],
  region?: RegionReader,
): void {
  wire("ModelStreamInferResponse", () => {
    const r = new ProtoReader(message, 0, message.length);
    let response: ProtoReader | undefined;
    while (r.more()) {
      const tag = r.varint();
      if (tag === (2 << 3 | LEN)) response = r.sub();
      else r.skip(tag & 7);
    }
    if (response) readInferResponse(response, out, region);
  });
}

/**
 * Appends the outputs of a ModelInferResponse to `out`; throws OutputDecodeError. With
 * `region` the outputs were requested in shared memory and are read from there.
 */
export function decodeInferOutputs(
  message: Uint8Array,
  out: OutputTensor[],
  region?: RegionReader,
): void {
  wire("ModelInferResponse", () => {
    readInferResponse(new ProtoReader(message, 0, message.length), out, region);
  });
}

/** Runs a protobuf walk, reporting malformed bytes as a decode error naming the message. */
function wire(what: string, walk: () => void): void {
  try {
    walk();
  } catch (e) {
    if (e instanceof WireError) throw new OutputDecodeError(`malformed ${what}: ${e.message}`);
    throw e;
  }
}

interface OutputField {
  name: string;
  datatype: string;
  shape: number[];
  contents: ProtoReader | undefined;
}

/** ModelInferResponse: outputs = 5 (InferOutputTensor), raw_output_contents = 6. */
function readInferResponse(r: ProtoReader, out: OutputTensor[], region?: RegionReader): void {
  const outputs: OutputField[] = [];
  const raw: Uint8Array[] = [];
  while (r.more()) {
    const tag = r.varint();
    if (tag === (5 << 3 | LEN)) outputs.push(readOutputTensor(r.sub()));
    else if (tag === (6 << 3 | LEN)) raw.push(r.bytes());
    else r.skip(tag & 7);
  }
  if (raw.length > 0 && raw.length !== outputs.length) {
    throw new OutputDecodeError(
      `ModelInferResponse has ${raw.length} raw_output_contents for ${outputs.length} outputs`,
    );
  }
  for (let i = 0; i < outputs.length; i++) {
    const o = outputs[i];
    const dt = outputDataType(o.name, o.datatype);
    const shape = outputShape(o.name, o.shape);
    // A plain copy: the HTTP/2 client hands messages over as views of a chunk it reuses.
    const bytes = region !== undefined
      ? region(o.name, dt, shape)
      : raw.length > 0
      ? new Uint8Array(raw[i])
      : typedContents(o.name, dt, o.contents);
    out.push(checkedOutput(o.name, dt, shape, bytes));
  }
}

/** InferOutputTensor: name = 1, datatype = 2, shape = 3 (int64, packed or not), contents = 5. */
function readOutputTensor(r: ProtoReader): OutputField {
  const o: OutputField = { name: "", datatype: "", shape: [], contents: undefined };
  while (r.more()) {
    const tag = r.varint();
    if (tag === (1 << 3 | LEN)) o.name = utf8.decode(r.bytes());
    else if (tag === (2 << 3 | LEN)) o.datatype = utf8.decode(r.bytes());
    else if (tag === (3 << 3 | VARINT)) o.shape.push(r.varint());
    else if (tag === (3 << 3 | LEN)) {
      const packed = r.sub();
      while (packed.more()) o.shape.push(packed.varint());
    } else if (tag === (5 << 3 | LEN)) o.contents = r.sub();
    else r.skip(tag & 7);
  }
  return o;
}

/** The InferTensorContents field each datatype uses (§1.7); FP16 and BF16 have none. */
const CONTENTS_FIELD: Partial<Record<DataType, number>> = {
  BOOL: 1,
  INT8: 2,
  INT16: 2,
  INT32: 2,
  INT64: 3,
  UINT8: 4,
  UINT16: 4,
  UINT32: 4,
  UINT64: 5,
  FP32: 6,
  FP64: 7,
  BYTES: 8,
};

/**
 * Wire bytes from typed contents. Floats are fixed-width little-endian on the proto wire
 * already, so their bytes are copied as they are (exact, NaN payloads included); integers and
 * bools go through the codec, which also range-checks them; BYTES elements get their prefixes.
 */
function typedContents(name: string, dt: DataType, contents: ProtoReader | undefined) {
  const field = CONTENTS_FIELD[dt];
  if (contents === undefined || field === undefined) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  const values: JsonElement[] = [];
  while (contents.more()) {
    const tag = contents.varint();
    const wireType = tag & 7;
    if (tag >>> 3 !== field) contents.skip(wireType);
    else if (dt === "BYTES" || dt === "FP32" || dt === "FP64") {
      chunks.push(fixedOrBytes(contents, dt, wireType));
    } else if (wireType === LEN) {
      const packed = contents.sub();
      while (packed.more()) values.push(varintValue(packed, dt));
    } else if (wireType === VARINT) values.push(varintValue(contents, dt));
    else throw new WireError(`wire type ${wireType} for ${dt} contents`);
  }
  if (dt === "BYTES") return encodeBytesElements(chunks);
  if (dt === "FP32" || dt === "FP64") return copyJoined(chunks);
  return outputFromValues(name, dt, values);
}

/** bytes_contents (one LEN per element), or fp32/fp64 contents (packed or one by one). */
function fixedOrBytes(r: ProtoReader, dt: DataType, wireType: number): Uint8Array {
  if (dt === "BYTES") {
    if (wireType !== LEN) throw new WireError(`wire type ${wireType} for BYTES contents`);
    return r.bytes();
  }
  const size = dt === "FP32" ? 4 : 8;
  if (wireType === LEN) {
    const packed = r.bytes();
    if (packed.length % size !== 0) {
      throw new WireError(`packed ${dt} contents of ${packed.length} bytes`);
    }
    return packed;
  }
  if (wireType !== (size === 4 ? FIXED32 : FIXED64)) {
    throw new WireError(`wire type ${wireType} for ${dt} contents`);
  }
  return r.fixed(size);
}

/** One varint-encoded element as the codec expects it for `dt`. */
function varintValue(r: ProtoReader, dt: DataType): JsonElement {
  switch (dt) {
    case "BOOL":
      return r.varint() !== 0;
    case "INT64":
      return BigInt.asIntN(64, r.varint64());
    case "UINT64":
      return r.varint64();
    case "UINT8":
    case "UINT16":
    case "UINT32":
      return r.varint32() >>> 0;
    default:
      return r.varint32();
  }
}
