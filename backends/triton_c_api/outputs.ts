/**
 * Copies a C API response's outputs into record.outputs (output validation only, so the hot
 * path never runs this). Output pointers are valid only until InferenceResponseDelete, so every
 * name, shape and byte is copied here (docs/protocols.md §6.5).
 */
import type { RequestRecord } from "../../core/measure/record.ts";
import { takeErrorText } from "./call.ts";
import type { TritonLib } from "./ffi.ts";

/** Out-parameters of TRITONSERVER_InferenceResponseOutput, allocated once per backend. */
export class OutputReader {
  readonly #count = new Uint32Array(1);
  readonly #name = new BigUint64Array(1);
  readonly #datatype = new Int32Array(1);
  readonly #shape = new BigUint64Array(1);
  readonly #dims = new BigUint64Array(1);
  readonly #base = new BigUint64Array(1);
  readonly #size = new BigUint64Array(1);
  readonly #memType = new Int32Array(1);
  readonly #memId = new BigInt64Array(1);
  readonly #userp = new BigUint64Array(1);

  constructor(private readonly lib: TritonLib) {}

  /** Returns "" on success, or the error text of the call that failed. */
  capture(response: bigint, record: RequestRecord): string {
    const lib = this.lib;
    let err = lib.TRITONSERVER_InferenceResponseOutputCount(response, this.#count);
    if (err !== null) return takeErrorText(lib, err);
    for (let i = 0; i < this.#count[0]; i++) {
      err = lib.TRITONSERVER_InferenceResponseOutput(
        response,
        i,
        this.#name,
        this.#datatype,
        this.#shape,
        this.#dims,
        this.#base,
        this.#size,
        this.#memType,
        this.#memId,
        this.#userp,
      );
      if (err !== null) return takeErrorText(lib, err);
      const namePtr = Deno.UnsafePointer.create(this.#name[0]);
      const dtPtr = lib.TRITONSERVER_DataTypeString(this.#datatype[0]);
      const dims = Number(this.#dims[0]);
      const shapePtr = Deno.UnsafePointer.create(this.#shape[0]);
      const shape: number[] = [];
      if (shapePtr !== null && dims > 0) {
        const view = new BigInt64Array(Deno.UnsafePointerView.getArrayBuffer(shapePtr, dims * 8));
        for (const d of view) shape.push(Number(d));
      }
      const size = Number(this.#size[0]);
      const basePtr = Deno.UnsafePointer.create(this.#base[0]);
      const bytes = basePtr === null || size === 0
        ? new Uint8Array(0)
        : new Uint8Array(Deno.UnsafePointerView.getArrayBuffer(basePtr, size)).slice();
      record.outputs.push({
        name: namePtr ? Deno.UnsafePointerView.getCString(namePtr) : "",
        datatype: dtPtr ? Deno.UnsafePointerView.getCString(dtPtr) : "",
        shape,
        bytes,
      });
    }
    return "";
  }
}
