/**
 * The reference server's own TensorProto codec (docs/protocols.md §4.3). It is written apart
 * from the client's on purpose: with one shared codec a bug would be symmetric and every round
 * trip would still pass; tensor_test.ts pins this one with bytes written by hand from
 * proto/tfserving/tensor.proto. Replies fill the typed `*_val` field, as TF Serving does;
 * requests may use the typed field or tensor_content, and one typed element stands for all.
 */
import { encodeBytesElements, splitBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataType } from "../../wire/kserve/datatypes.ts";
import type { TfObject } from "../../wire/tfserving/proto.ts";
import { invalidArg } from "../kserve/http_error.ts";

/** A typed-field element as protobufjs takes it (64-bit integers as decimal strings). */
type Element = number | boolean | string;

/** How one fixed-width datatype travels: its enum name, typed field and element accessors. */
interface Form {
  dtype: string;
  field: string;
  size: number;
  read(view: DataView, at: number): Element;
  write(view: DataView, at: number, value: unknown): void;
}

function form(
  dtype: string,
  field: string,
  size: number,
  read: Form["read"],
  write: Form["write"],
): Form {
  return { dtype, field, size, read, write };
}

/** Every datatype TF Serving can carry, except BYTES (length-framed, handled on its own). */
const FIXED: Partial<Record<DataType, Form>> = {
  BOOL: form("DT_BOOL", "bool_val", 1, (v, at) => v.getUint8(at) !== 0, (v, at, x) => {
    v.setUint8(at, x === true ? 1 : 0);
  }),
  UINT8: form("DT_UINT8", "int_val", 1, (v, at) => v.getUint8(at), (v, at, x) => {
    v.setUint8(at, Number(x));
  }),
  INT8: form("DT_INT8", "int_val", 1, (v, at) => v.getInt8(at), (v, at, x) => {
    v.setInt8(at, Number(x));
  }),
  UINT16: form("DT_UINT16", "int_val", 2, (v, at) => v.getUint16(at, true), (v, at, x) => {
    v.setUint16(at, Number(x), true);
  }),
  INT16: form("DT_INT16", "int_val", 2, (v, at) => v.getInt16(at, true), (v, at, x) => {
    v.setInt16(at, Number(x), true);
  }),
  // half_val holds each half float's 16-bit pattern in an int32.
  FP16: form("DT_HALF", "half_val", 2, (v, at) => v.getUint16(at, true), (v, at, x) => {
    v.setUint16(at, Number(x), true);
  }),
  INT32: form("DT_INT32", "int_val", 4, (v, at) => v.getInt32(at, true), (v, at, x) => {
    v.setInt32(at, Number(x), true);
  }),
  UINT32: form("DT_UINT32", "uint32_val", 4, (v, at) => v.getUint32(at, true), (v, at, x) => {
    v.setUint32(at, Number(x), true);
  }),
  FP32: form("DT_FLOAT", "float_val", 4, (v, at) => v.getFloat32(at, true), (v, at, x) => {
    v.setFloat32(at, Number(x), true);
  }),
  INT64: form(
    "DT_INT64",
    "int64_val",
    8,
    (v, at) => String(v.getBigInt64(at, true)),
    (v, at, x) => {
      v.setBigInt64(at, BigInt(x as string | number), true);
    },
  ),
  UINT64: form(
    "DT_UINT64",
    "uint64_val",
    8,
    (v, at) => String(v.getBigUint64(at, true)),
    (v, at, x) => v.setBigUint64(at, BigInt(x as string | number), true),
  ),
  FP64: form("DT_DOUBLE", "double_val", 8, (v, at) => v.getFloat64(at, true), (v, at, x) => {
    v.setFloat64(at, Number(x), true);
  }),
};

const STRING_DTYPE = "DT_STRING";
const STRING_FIELD = "string_val";

const BY_DTYPE = new Map<string, DataType>([
  [STRING_DTYPE, "BYTES"],
  ...Object.entries(FIXED).map(([dt, f]) => [f.dtype, dt as DataType] as [string, DataType]),
]);

/** The TF enum name of a datatype, or undefined when TF Serving cannot carry it (BF16). */
export function tfDtypeName(dt: DataType): string | undefined {
  return dt === "BYTES" ? STRING_DTYPE : FIXED[dt]?.dtype;
}

/** A reply tensor as a TensorProto object (for TfMessage.encode) from its KServe wire bytes. */
export function toTensorProto(dt: DataType, shape: readonly number[], bytes: Uint8Array): TfObject {
  const tensor_shape = { dim: shape.map((size) => ({ size })) };
  if (dt === "BYTES") {
    return { dtype: STRING_DTYPE, tensor_shape, [STRING_FIELD]: splitBytesElements(bytes) };
  }
  const f = FIXED[dt];
  if (f === undefined) throw new RangeError(`${dt} has no TensorProto form`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const values: Element[] = [];
  for (let at = 0; at + f.size <= bytes.length; at += f.size) values.push(f.read(view, at));
  return { dtype: f.dtype, tensor_shape, [f.field]: values };
}

/** A request tensor in KServe wire form. */
export interface DecodedTensor {
  datatype: DataType;
  shape: number[];
  bytes: Uint8Array;
}

/** A request's TensorProto object as wire bytes; INVALID_ARGUMENT naming the tensor otherwise. */
export function fromTensorProto(name: string, proto: TfObject): DecodedTensor {
  const datatype = BY_DTYPE.get(String(proto.dtype ?? "DT_INVALID"));
  if (datatype === undefined) {
    throw invalidArg(`tensor '${name}' has dtype ${String(proto.dtype)}, which is not served`);
  }
  const shape = concreteShape(proto.tensor_shape);
  if (shape === undefined) throw invalidArg(`tensor '${name}' has no concrete shape`);
  let count = 1;
  for (const d of shape) count *= d;
  const f = FIXED[datatype];
  const content = proto.tensor_content as Uint8Array | undefined;
  if (f !== undefined && content !== undefined && content.length > 0) {
    return { datatype, shape, bytes: content };
  }
  const values = (proto[f?.field ?? STRING_FIELD] ?? []) as unknown[];
  const broadcast = values.length === 1 && count > 1;
  if (!broadcast && values.length !== count) {
    throw invalidArg(`tensor '${name}' has ${values.length} elements for shape [${shape}]`);
  }
  if (f === undefined) {
    const strings = values as Uint8Array[];
    return {
      datatype,
      shape,
      bytes: encodeBytesElements(broadcast ? new Array(count).fill(strings[0]) : strings),
    };
  }
  const bytes = new Uint8Array(count * f.size);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < count; i++) f.write(view, i * f.size, values[broadcast ? 0 : i]);
  return { datatype, shape, bytes };
}

/** A TensorShapeProto's dims, or undefined when the rank or a dim is unknown. */
function concreteShape(shape: unknown): number[] | undefined {
  const s = (shape ?? {}) as { dim?: { size?: unknown }[]; unknown_rank?: boolean };
  if (s.unknown_rank === true) return undefined;
  const dims = (s.dim ?? []).map((d) => Number(d.size ?? 0));
  return dims.every((d) => Number.isInteger(d) && d >= 0) ? dims : undefined;
}
