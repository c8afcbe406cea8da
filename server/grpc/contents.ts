/**
 * Typed gRPC tensor contents (`InferTensorContents`) to the little-endian wire bytes the
 * HTTP binary path carries, so one validation (byte sizes, BYTES framing) serves both.
 * Triton's gRPC front end does the same: it serializes typed contents into a buffer.
 */
import { encodeBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import { invalidArg } from "../kserve/http_error.ts";
import type { ProtoContents } from "./proto.ts";

type ContentsField = keyof ProtoContents;

/** The one typed field each datatype travels in (docs/protocols.md §2.3); FP16/BF16 have none. */
const FIELD: Partial<Record<DataType, ContentsField>> = {
  BOOL: "bool_contents",
  INT8: "int_contents",
  INT16: "int_contents",
  INT32: "int_contents",
  INT64: "int64_contents",
  UINT8: "uint_contents",
  UINT16: "uint_contents",
  UINT32: "uint_contents",
  UINT64: "uint64_contents",
  FP32: "fp32_contents",
  FP64: "fp64_contents",
  BYTES: "bytes_contents",
};

const FIELDS: readonly ContentsField[] = [
  "bool_contents",
  "int_contents",
  "int64_contents",
  "uint_contents",
  "uint64_contents",
  "fp32_contents",
  "fp64_contents",
  "bytes_contents",
];

function bytesOf(view: ArrayBufferView): Uint8Array {
  return new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
}

/** Packs numbers as the datatype's C type would store them (narrowing like a C cast). */
function pack(dt: DataType, values: readonly number[]): Uint8Array {
  switch (dt) {
    case "INT8":
      return bytesOf(Int8Array.from(values));
    case "INT16":
      return bytesOf(Int16Array.from(values));
    case "INT32":
      return bytesOf(Int32Array.from(values));
    case "UINT8":
      return bytesOf(Uint8Array.from(values));
    case "UINT16":
      return bytesOf(Uint16Array.from(values));
    case "UINT32":
      return bytesOf(Uint32Array.from(values));
    case "INT64":
      return bytesOf(BigInt64Array.from(values, (v) => BigInt(Math.trunc(v))));
    case "UINT64":
      return bytesOf(BigUint64Array.from(values, (v) => BigInt(Math.trunc(v))));
    case "FP32":
      return bytesOf(Float32Array.from(values));
    default:
      return bytesOf(Float64Array.from(values));
  }
}

/**
 * The wire bytes of one input's typed contents. The field must be the datatype's own and
 * every other field empty; BYTES elements get their 4-byte length prefixes here.
 */
export function contentsBlob(
  contents: ProtoContents,
  datatype: DataType,
  input: string,
  model: string,
): Uint8Array {
  const field = FIELD[datatype];
  if (field === undefined) {
    throw invalidArg(
      `input '${input}' for model '${model}' has datatype ${datatype}, which has no typed ` +
        "contents field; send it in raw_input_contents",
    );
  }
  for (const other of FIELDS) {
    if (other !== field && contents[other].length > 0) {
      throw invalidArg(
        `unexpected explicit tensor data for input '${input}' for model '${model}': ` +
          `datatype ${datatype} is carried in '${field}', got '${other}'`,
      );
    }
  }
  if (datatype === "BYTES") return encodeBytesElements(contents.bytes_contents);
  if (datatype === "BOOL") return Uint8Array.from(contents.bool_contents, (b) => (b ? 1 : 0));
  return pack(datatype, contents[field] as number[]);
}
