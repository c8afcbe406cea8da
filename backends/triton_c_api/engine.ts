/**
 * Sends prepared C API requests and completes their records from the completion queue.
 *
 * Completion path: Triton's callbacks stay in C (native/capi/pa_completion_queue.c) and JS drains
 * them in batches, first with a synchronous poll, then, when the queue is empty, with one
 * `nonblocking` FFI wait. Measured with scripts/bench_capi_completion.ts against the C double
 * on the 2-core dev machine (closed loop, 1 s), completions/s:
 *
 *   in flight   threadSafe callbacks   C queue + poll/nonblocking wait
 *       1              40 319                    57 728
 *       8              40 083                   449 007
 *      64              40 023                   628 379
 *
 * Deno.UnsafeCallback.threadSafe hops to the JS thread once per completion and caps near 40k/s
 * whatever the load, so it is not used.
 */
import type { Clock } from "../../core/clock.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { takeErrorText } from "./call.ts";
import { OutputReader } from "./outputs.ts";
import { BuildError, PreparedCapi, type RequestFactory, type Slot } from "./requests.ts";
import type { InProcessServer } from "./server.ts";

/** Completions taken per drain call; each is 3 u64 words (tag id, pointer, kind|flags). */
const BATCH = 256;
const WAIT_MS = 200;
/** Non-empty polls in a row before the loop goes through the event loop (timers, I/O). */
const MAX_POLLS = 32;
const KIND_RESPONSE = 1;
const RESPONSE_COMPLETE_FINAL = 1;
const REQUEST_RELEASE_ALL = 1;

export class CapiEngine implements RequestFactory {
  readonly lib;
  readonly queueLib;
  readonly queue: Deno.PointerObject;
  readonly server: Deno.PointerObject;
  readonly allocator: Deno.PointerObject;
  readonly responseFn: Deno.PointerObject;
  readonly releaseFn: Deno.PointerObject;
  readonly #slots: Slot[] = [];
  readonly #words = new Uint32Array(BATCH * 6);
  /** The same completions as 64-bit words, for the response pointers. */
  readonly #pointers = new BigUint64Array(this.#words.buffer);
  readonly #outputs: OutputReader;
  #inflight = 0;
  #drain: Promise<void> | undefined;
  #closed = false;

  constructor(
    private readonly host: InProcessServer,
    private readonly clock: Clock,
  ) {
    this.lib = host.lib;
    this.queueLib = host.queueLib;
    this.server = host.server;
    this.allocator = host.allocator;
    this.queue = this.queueLib.pa_cq_new()!;
    this.responseFn = this.queueLib.pa_cq_response_fn()!;
    this.releaseFn = this.queueLib.pa_cq_release_fn()!;
    this.#outputs = new OutputReader(this.lib);
  }

  register(make: (id: number) => Slot): Slot {
    const slot = make(this.#slots.length);
    this.#slots.push(slot);
    return slot;
  }

  /** Sends one request; `capture` decodes its outputs into the record (output validation). */
  send(prepared: PreparedCapi, record: RequestRecord, capture: boolean): Promise<void> {
    if (this.#closed) {
      record.fail("cancelled", "backend closed", this.clock.nowNs());
      return Promise.resolve();
    }
    let slot = prepared.free.pop();
    if (slot === undefined) {
      try {
        slot = prepared.build(this);
      } catch (e) {
        const text = e instanceof BuildError ? e.message : String(e);
        record.fail("server_error", text, this.clock.nowNs());
        return Promise.resolve();
      }
    }
    record.sendStartNs = this.clock.nowNs();
    const err = this.lib.TRITONSERVER_ServerInferAsync(this.server, slot.request, null);
    record.sendEndNs = this.clock.nowNs();
    if (err !== null) {
      // Not queued: the request stays ours and can be reused at once.
      prepared.free.push(slot);
      record.fail("server_error", takeErrorText(this.lib, err), record.sendEndNs);
      return Promise.resolve();
    }
    slot.record = record;
    slot.capture = capture;
    slot.responded = false;
    slot.released = false;
    this.#inflight++;
    const done = new Promise<void>((resolve) => (slot.done = resolve));
    this.#drain ??= this.#drainLoop();
    return done;
  }

  async #drainLoop(): Promise<void> {
    const q = this.queueLib;
    let polls = 0;
    try {
      while (this.#inflight > 0) {
        let n = polls < MAX_POLLS ? q.pa_cq_poll(this.queue, this.#words, BATCH) : 0;
        if (n > 0) polls++;
        else {
          polls = 0;
          n = await q.pa_cq_wait(this.queue, this.#words, BATCH, WAIT_MS);
          if (this.#closed) return;
        }
        this.#dispatch(n);
        // Let the finished requests' continuations send their next requests first.
        await null;
      }
    } finally {
      this.#drain = undefined;
    }
  }

  #dispatch(n: number): void {
    const w = this.#words;
    for (let i = 0; i < n; i++) {
      const slot = this.#slots[w[i * 6]];
      const ptr = this.#pointers[i * 3 + 1];
      const flags = w[i * 6 + 4];
      if (w[i * 6 + 5] === KIND_RESPONSE) this.#response(slot, ptr, flags);
      else if (flags & REQUEST_RELEASE_ALL) {
        slot.released = true;
        this.#recycle(slot);
      }
    }
  }

  #response(slot: Slot, response: bigint, flags: number): void {
    const record = slot.record!;
    const now = this.clock.nowNs();
    if (response !== 0n) {
      const err = this.lib.TRITONSERVER_InferenceResponseError(response);
      if (err !== null) record.fail("server_error", takeErrorText(this.lib, err), now);
      else {
        record.addResponse(now);
        if (slot.capture && record.responseCount === 1) {
          const problem = this.#outputs.capture(response, record);
          if (problem !== "") record.fail("protocol_error", problem, now);
        }
      }
      const del = this.lib.TRITONSERVER_InferenceResponseDelete(response);
      if (del !== null) takeErrorText(this.lib, del);
    }
    if ((flags & RESPONSE_COMPLETE_FINAL) === 0) return;
    record.endNs = now;
    slot.responded = true;
    this.#inflight--;
    const done = slot.done!;
    slot.done = undefined;
    slot.record = undefined;
    this.#recycle(slot);
    done();
  }

  /** A request object is reusable once it has both its final response and its release. */
  #recycle(slot: Slot): void {
    if (slot.responded && slot.released) slot.owner.free.push(slot);
  }

  /** Stops the server (which finishes what it has queued), then frees every request object. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const q = this.queueLib;
    q.pa_cq_shutdown(this.queue);
    await this.#drain;
    await this.host.stopServer();
    // After ServerDelete no callback fires: settle what is queued, cancel what never came.
    for (let n = q.pa_cq_poll(this.queue, this.#words, BATCH); n > 0;) {
      this.#dispatch(n);
      n = q.pa_cq_poll(this.queue, this.#words, BATCH);
    }
    for (const slot of this.#slots) {
      if (slot.done) {
        slot.record!.fail("cancelled", "backend closed", this.clock.nowNs());
        slot.done();
        slot.done = undefined;
      }
      const err = this.lib.TRITONSERVER_InferenceRequestDelete(slot.request);
      if (err !== null) takeErrorText(this.lib, err);
      q.pa_cq_tag_delete(slot.tag);
    }
    q.pa_cq_delete(this.queue);
    this.host.unload();
  }
}
