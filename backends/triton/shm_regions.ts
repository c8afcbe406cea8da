/**
 * System shared memory for the Triton HTTP and gRPC backends (--shared-memory system,
 * docs/protocols.md §1.12). Each distinct set of input tensors gets one region: a file under
 * /dev/shm (what a POSIX shm object is on Linux) holding the inputs, written once at prepare
 * time, then one --output-shared-memory-size window per requested output. Deno has no mmap, so
 * outputs are read back with a positioned file read when validation needs them.
 *
 * Regions are registered with the server before they are used and unregistered and unlinked
 * in release(); an unload listener also unlinks them when the process exits early (a second
 * Ctrl-C calls Deno.exit), so no segment outlives the run.
 */
import { type DataType, elementCount, elementSize } from "../../wire/kserve/datatypes.ts";
import type { TensorData } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { OutputDecodeError } from "../shared/output_tensor.ts";

/** How a protocol talks to the shared-memory extension. Both throw RunError on refusal. */
export interface ShmRegistrar {
  register(name: string, key: string, byteSize: number): Promise<void>;
  unregister(name: string): Promise<void>;
}

/** A byte range of a region. */
export interface ShmWindow {
  offset: number;
  byteSize: number;
}

/** Reads an output the server wrote into its window (validation only). */
export type RegionReader = (name: string, dt: DataType, shape: number[]) => Uint8Array;

/** Where one prepared request's tensors live. */
export class ShmLayout {
  registered = false;
  /** The registration in flight or done, so each region is registered exactly once. */
  registration: Promise<void> | undefined;

  constructor(
    readonly name: string,
    readonly path: string,
    readonly byteSize: number,
    /** In the order of the request's inputs. */
    readonly inputs: ShmWindow[],
    readonly outputs: Map<string, ShmWindow>,
  ) {}

  /** Made once per layout, so capturing outputs allocates no closure per request. */
  readonly readOutput: RegionReader = (name, dt, shape) => {
    const w = this.outputs.get(name);
    if (w === undefined) {
      throw new OutputDecodeError(`output '${name}' was not requested in shared memory`);
    }
    if (dt !== "BYTES") {
      const size = elementCount(shape) * elementSize(dt);
      if (size > w.byteSize) {
        throw new OutputDecodeError(
          `output '${name}' of shape [${shape.join(",")}] needs ${size} bytes, more than its ` +
            `${w.byteSize}-byte shared memory window`,
        );
      }
      // Only the bytes the shape needs, not the whole (often much larger) window.
      return readWindow(this.path, { offset: w.offset, byteSize: size });
    }
    const window = readWindow(this.path, w);
    return window.subarray(0, bytesExtent(name, window, elementCount(shape)));
  };
}

let nextRun = 0;

export class ShmRegions {
  /** Unique to this process and backend, so concurrent runs never share a file. */
  readonly prefix = `pa_${Deno.pid}_${nextRun++}_${crypto.randomUUID().slice(0, 8)}`;
  /** By the identity of the inputs array: a request prepared again reuses its region. */
  readonly #layouts = new Map<readonly TensorData[], ShmLayout>();
  #released = false;
  readonly #onUnload = () => this.#unlinkAll();

  constructor(readonly registrar: ShmRegistrar, readonly outputByteSize: number) {}

  /**
   * The region for these inputs and outputs, created and written on first use (sync). Each
   * output window is the output size times the batch, as perf_analyzer sizes them.
   */
  layout(inputs: readonly TensorData[], outputs: readonly string[], batch: number): ShmLayout {
    const known = this.#layouts.get(inputs);
    if (known !== undefined) return known;
    if (this.#released) throw new RunError("shared memory used after the backend was closed");
    const name = `${this.prefix}_${this.#layouts.size}`;
    const path = `/dev/shm/${name}`;
    let at = 0;
    const windows = inputs.map((t) => {
      const w = { offset: at, byteSize: t.bytes.length };
      at += t.bytes.length;
      return w;
    });
    const data = new Uint8Array(at);
    inputs.forEach((t, i) => data.set(t.bytes, windows[i].offset));
    const outs = new Map<string, ShmWindow>();
    const outputSize = this.outputByteSize * Math.max(1, batch);
    for (const o of outputs) {
      outs.set(o, { offset: at, byteSize: outputSize });
      at += outputSize;
    }
    if (this.#layouts.size === 0) globalThis.addEventListener("unload", this.#onUnload);
    try {
      Deno.writeFileSync(path, data, { mode: 0o600, createNew: true });
      // The output windows are the file's sparse tail: the server writes them, so this process
      // allocates nothing for them, however large --output-shared-memory-size is.
      Deno.truncateSync(path, at);
    } catch (e) {
      // A write that failed part way (ENOSPC) leaves a file nobody else knows of.
      if (!(e instanceof Deno.errors.AlreadyExists)) removeQuietly(path);
      throw new RunError(
        `cannot create shared memory region ${path}: ${(e as Error).message} ` +
          "(--shared-memory system needs a writable /dev/shm)",
      );
    }
    const layout = new ShmLayout(name, path, at, windows, outs);
    this.#layouts.set(inputs, layout);
    return layout;
  }

  /** Registers every region created so far (each once; a failed one is retried next time). */
  async ensureRegistered(): Promise<void> {
    for (const layout of [...this.#layouts.values()]) await this.register(layout);
  }

  /** Registers one region; callers racing on the same region share its registration. */
  register(layout: ShmLayout): Promise<void> {
    if (this.#released) {
      return Promise.reject(new RunError("shared memory used after the backend was closed"));
    }
    layout.registration ??= this.registrar.register(layout.name, `/${layout.name}`, layout.byteSize)
      .then(() => {
        layout.registered = true;
      }, (e) => {
        layout.registration = undefined;
        throw e;
      });
    return layout.registration;
  }

  /**
   * Unregisters what was registered (best effort: the server may be gone), then unlinks. The
   * unload hook of a hard exit can only unlink: its server registrations stay behind.
   */
  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    for (const layout of this.#layouts.values()) {
      await layout.registration?.catch(() => undefined);
      if (!layout.registered) continue;
      layout.registered = false;
      await this.registrar.unregister(layout.name).catch(() => undefined);
    }
    this.#unlinkAll();
    globalThis.removeEventListener("unload", this.#onUnload);
  }

  #unlinkAll(): void {
    for (const layout of this.#layouts.values()) removeQuietly(layout.path);
  }
}

function removeQuietly(path: string): void {
  try {
    Deno.removeSync(path);
  } catch { /* already gone */ }
}

function readWindow(path: string, w: ShmWindow): Uint8Array {
  const out = new Uint8Array(w.byteSize);
  using file = Deno.openSync(path, { read: true });
  file.seekSync(w.offset, Deno.SeekMode.Start);
  let got = 0;
  // Bounded: every read advances or reports the end of the file.
  while (got < out.length) {
    const n = file.readSync(out.subarray(got));
    if (n === null || n === 0) break;
    got += n;
  }
  return out.subarray(0, got);
}

/** The bytes `count` length-prefixed BYTES elements take at the start of `window`. */
function bytesExtent(name: string, window: Uint8Array, count: number): number {
  const view = new DataView(window.buffer, window.byteOffset, window.byteLength);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > window.length) {
      throw new OutputDecodeError(
        `output '${name}': its ${count} BYTES elements do not fit its shared memory window`,
      );
    }
    at += 4 + view.getUint32(at, true);
  }
  if (at > window.length) {
    throw new OutputDecodeError(
      `output '${name}': its ${count} BYTES elements do not fit its shared memory window`,
    );
  }
  return at;
}
