/** KServe v2 datatypes and their element sizes (docs/protocols.md §1.7). */

export const DATATYPES = [
  "BOOL",
  "UINT8",
  "UINT16",
  "UINT32",
  "UINT64",
  "INT8",
  "INT16",
  "INT32",
  "INT64",
  "FP16",
  "FP32",
  "FP64",
  "BYTES",
  "BF16",
] as const;

export type DataType = typeof DATATYPES[number];

const SIZES: Record<DataType, number> = {
  BOOL: 1,
  UINT8: 1,
  UINT16: 2,
  UINT32: 4,
  UINT64: 8,
  INT8: 1,
  INT16: 2,
  INT32: 4,
  INT64: 8,
  FP16: 2,
  FP32: 4,
  FP64: 8,
  BYTES: 0,
  BF16: 2,
};

/** Bytes per element; 0 for BYTES, whose elements are length-prefixed and variable. */
export function elementSize(dt: DataType): number {
  return SIZES[dt];
}

export function isDataType(s: string): s is DataType {
  return (DATATYPES as readonly string[]).includes(s);
}

/** Number of elements in a shape; every dim must already be concrete (>= 0). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
