/**
 * TensorFlow TensorProto <-> this tool's wire form (docs/protocols.md §4.3): dtype names, the typed
 * `*_val` field of each dtype, shapes. Encoding always fills the typed field, as perf_analyzer
 * does (FP16 as 16-bit patterns in half_val, BYTES as string_val without length prefixes);
 * decoding accepts tensor_content as well and broadcasts a single typed element over the shape.
 */
import { encodeBytesElements, splitBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import { type DataType, elementCount } from "../../wire/kserve/datatypes.ts";
import { RunError } from "../../core/errors.ts";
import { tensorFromJson, tensorToJson } from "../../core/data/tensor_codec.ts";
import type { TfObject } from "../../wire/tfserving/proto.ts";

/**
 * Our datatype of each TF dtype this tool can carry (BF16 has no typed field perf_analyzer uses).
 */
const FROM_TF: Record<string, DataType> = {
  DT_BOOL: "BOOL",
  DT_UINT8: "UINT8",
  DT_UINT16: "UINT16",
  DT_UINT32: "UINT32",
  DT_UINT64: "UINT64",
  DT_INT8: "INT8",
  DT_INT16: "INT16",
  DT_INT32: "INT32",
  DT_INT64: "INT64",
  DT_HALF: "FP16",
  DT_FLOAT: "FP32",
  DT_DOUBLE: "FP64",
  DT_STRING: "BYTES",
};

const TO_TF = Object.fromEntries(Object.entries(FROM_TF).map(([tf, dt]) => [dt, tf])) as Record<
  DataType,
  string | undefined
>;

/** The typed field that carries each datatype. */
export const VALUE_FIELD: Record<Exclude<DataType, "BF16">, string> = {
  BOOL: "bool_val",
  UINT8: "int_val",
  UINT16: "int_val",
  UINT32: "uint32_val",
  UINT64: "uint64_val",
  INT8: "int_val",
  INT16: "int_val",
  INT32: "int_val",
  INT64: "int64_val",
  FP16: "half_val",
  FP32: "float_val",
  FP64: "double_val",
  BYTES: "string_val",
};

/** The TF dtype name of a datatype; BF16 is refused as perf_analyzer refuses it. */
export function tfDtype(dt: DataType): string {
  const tf = TO_TF[dt];
  if (tf === undefined) {
    throw new RunError(
      `datatype ${dt} cannot be sent to TF Serving (perf_analyzer refuses BF16 too); ` +
        "use a model whose inputs are another type",
    );
  }
  return tf;
}

/** Our datatype of a TF dtype name, or undefined for dtypes this tool cannot carry. */
export function fromTfDtype(tf: unknown): DataType | undefined {
  return typeof tf === "string" ? FROM_TF[tf] : undefined;
}

/** A TensorShapeProto's dims (-1 = unknown), or undefined when its rank is unknown. */
export function shapeOf(shape: unknown): number[] | undefined {
  const s = (shape ?? {}) as { dim?: { size?: unknown }[]; unknown_rank?: boolean };
  if (s.unknown_rank === true) return undefined;
  return (s.dim ?? []).map((d) => Number(d.size ?? 0));
}

function uint16s(bytes: Uint8Array): number[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length >> 1 }, (_, i) => v.getUint16(2 * i, true));
}

/** A TensorProto object (for TfMessage.encode) from wire bytes. */
export function tensorProto(dt: DataType, shape: readonly number[], bytes: Uint8Array): TfObject {
  const dtype = tfDtype(dt);
  const field = VALUE_FIELD[dt as Exclude<DataType, "BF16">];
  let values: unknown[];
  if (dt === "BYTES") values = splitBytesElements(bytes);
  else if (dt === "FP16") values = uint16s(bytes);
  else values = tensorToJson(dt, bytes).map((x) => typeof x === "bigint" ? String(x) : x);
  return { dtype, tensor_shape: { dim: shape.map((size) => ({ size })) }, [field]: values };
}

export interface WireTensor {
  datatype: DataType;
  shape: number[];
  bytes: Uint8Array;
}

/**
 * A decoded TensorProto in wire form; throws RunError naming the tensor for what it cannot read.
 */
export function wireTensor(name: string, proto: TfObject): WireTensor {
  const datatype = fromTfDtype(proto.dtype ?? "DT_INVALID");
  if (datatype === undefined) {
    throw new RunError(
      `tensor '${name}' has dtype ${String(proto.dtype)}, which this tool cannot read`,
    );
  }
  const shape = shapeOf(proto.tensor_shape);
  if (shape === undefined || shape.some((d) => d < 0)) {
    throw new RunError(`tensor '${name}' has no concrete shape`);
  }
  const count = elementCount(shape);
  const content = proto.tensor_content as Uint8Array | undefined;
  if (content !== undefined && content.length > 0 && datatype !== "BYTES") {
    return { datatype, shape, bytes: content };
  }
  let values = (proto[VALUE_FIELD[datatype as Exclude<DataType, "BF16">]] ?? []) as unknown[];
  // version_number 0: one typed element stands for the whole tensor.
  if (values.length === 1 && count > 1) values = new Array(count).fill(values[0]);
  if (values.length !== count) {
    throw new RunError(
      `tensor '${name}' has ${values.length} elements for shape [${shape.join(",")}]`,
    );
  }
  return { datatype, shape, bytes: valuesToWire(datatype, values) };
}

function valuesToWire(dt: DataType, values: unknown[]): Uint8Array {
  if (dt === "BYTES") return encodeBytesElements(values as Uint8Array[]);
  if (dt === "FP16") {
    const out = new Uint8Array(values.length * 2);
    const v = new DataView(out.buffer);
    values.forEach((x, i) => v.setUint16(2 * i, Number(x), true));
    return out;
  }
  return tensorFromJson(dt, values);
}
