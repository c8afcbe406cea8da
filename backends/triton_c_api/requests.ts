/**
 * Prepared requests of the triton_c_api backend. A TRITONSERVER_InferenceRequest is built once
 * (inputs, outputs, callbacks) and reused after Triton releases it, so the hot path only calls
 * ServerInferAsync. One prepared request may be in flight on several channels at once, so each
 * keeps a small pool of built requests, grown only when every built one is busy. The input
 * bytes are referenced by Triton, not copied: the prepared request holds them for its life.
 */
import type { RequestSpec } from "../../core/backend.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { takeErrorText } from "./call.ts";
import { cString, type QueueLib, type TritonLib } from "./ffi.ts";

/** TRITONSERVER_RequestFlag (docs/protocols.md §6.3). */
const SEQUENCE_START = 1;
const SEQUENCE_END = 2;

/** One built request object and the state of its current use. */
export interface Slot {
  readonly id: number;
  /** Address of the TRITONSERVER_InferenceRequest (made once, passed as usize). */
  readonly request: bigint;
  /** The shim's tag (queue + id) Triton echoes back to the callbacks. */
  readonly tag: Deno.PointerObject;
  readonly owner: PreparedCapi;
  record: RequestRecord | undefined;
  done: (() => void) | undefined;
  responded: boolean;
  released: boolean;
  /** Decode this request's outputs into its record (the sending channel's capture option). */
  capture: boolean;
}

/** What the pool needs from the engine to build a request object. */
export interface RequestFactory {
  readonly lib: TritonLib;
  readonly queueLib: QueueLib;
  readonly queue: Deno.PointerObject;
  readonly server: Deno.PointerObject;
  readonly allocator: Deno.PointerObject;
  readonly responseFn: Deno.PointerObject;
  readonly releaseFn: Deno.PointerObject;
  /** Registers a slot under a new id; returns the id. */
  register(make: (id: number) => Slot): Slot;
}

export class PreparedCapi {
  readonly free: Slot[] = [];
  readonly #model: Uint8Array<ArrayBuffer>;
  readonly #inputs: {
    name: Uint8Array<ArrayBuffer>;
    datatype: Uint8Array<ArrayBuffer>;
    shape: BigInt64Array<ArrayBuffer>;
    bytes: Uint8Array;
  }[];
  readonly #outputs: Uint8Array<ArrayBuffer>[];
  readonly #correlationId: Uint8Array<ArrayBuffer> | bigint | undefined;

  constructor(readonly spec: RequestSpec, readonly version: bigint) {
    this.#model = cString(spec.model);
    this.#inputs = spec.inputs.map((t) => ({
      name: cString(t.name),
      datatype: cString(t.datatype),
      shape: BigInt64Array.from(t.shape, (d) => BigInt(d)),
      bytes: t.bytes,
    }));
    this.#outputs = spec.outputs.map(cString);
    const id = spec.sequence?.id;
    this.#correlationId = typeof id === "string"
      ? cString(id)
      : id === undefined
      ? undefined
      : BigInt(id);
  }

  /** Builds one more request object; throws the C API's error text on failure. */
  build(f: RequestFactory): Slot {
    const lib = f.lib;
    const out = new BigUint64Array(1);
    fail(lib, lib.TRITONSERVER_InferenceRequestNew(out, f.server, this.#model, this.version));
    const request = out[0];
    try {
      this.#fill(f, request);
    } catch (e) {
      lib.TRITONSERVER_InferenceRequestDelete(request);
      throw e;
    }
    const tagFor = (id: number) => f.queueLib.pa_cq_tag_new(f.queue, BigInt(id))!;
    let tag: Deno.PointerObject | undefined;
    const slot = f.register((id) => {
      tag = tagFor(id);
      return {
        id,
        request,
        tag,
        owner: this,
        record: undefined,
        done: undefined,
        responded: true,
        capture: false,
        released: true,
      };
    });
    fail(lib, lib.TRITONSERVER_InferenceRequestSetReleaseCallback(request, f.releaseFn, tag!));
    fail(
      lib,
      lib.TRITONSERVER_InferenceRequestSetResponseCallback(
        request,
        f.allocator,
        null,
        f.responseFn,
        tag!,
      ),
    );
    return slot;
  }

  #fill(f: RequestFactory, request: bigint): void {
    const lib = f.lib;
    const seq = this.spec.sequence;
    if (seq) {
      const id = this.#correlationId!;
      fail(
        lib,
        typeof id === "bigint"
          ? lib.TRITONSERVER_InferenceRequestSetCorrelationId(request, id)
          : lib.TRITONSERVER_InferenceRequestSetCorrelationIdString(request, id),
      );
      const flags = (seq.start ? SEQUENCE_START : 0) | (seq.end ? SEQUENCE_END : 0);
      fail(lib, lib.TRITONSERVER_InferenceRequestSetFlags(request, flags));
    }
    for (const t of this.#inputs) {
      const dt = lib.TRITONSERVER_StringToDataType(t.datatype);
      fail(
        lib,
        lib.TRITONSERVER_InferenceRequestAddInput(
          request,
          t.name,
          dt,
          t.shape,
          BigInt(t.shape.length),
        ),
      );
      fail(
        lib,
        lib.TRITONSERVER_InferenceRequestAppendInputData(
          request,
          t.name,
          t.bytes as Uint8Array<ArrayBuffer>,
          BigInt(t.bytes.byteLength),
          0, // TRITONSERVER_MEMORY_CPU
          0n,
        ),
      );
    }
    for (const name of this.#outputs) {
      fail(lib, lib.TRITONSERVER_InferenceRequestAddRequestedOutput(request, name));
    }
  }
}

/** A C API failure while building a request, carrying the decoded error text. */
export class BuildError extends Error {
  override name = "BuildError";
}

function fail(lib: TritonLib, err: Deno.PointerValue): void {
  if (err !== null) throw new BuildError(takeErrorText(lib, err));
}
