/**
 * Requests for sequence (stateful) models, docs/perf_analyzer.md §2.9: every context plays one live
 * sequence at a time, START on its first request, END on its last, its correlation id on each;
 * a finished sequence is followed by a new one with the next id. Closed loop gives each slot its
 * own context; open loop spreads requests over --num-of-sequences contexts, at random or, with
 * --serial-sequences, only to contexts with nothing in flight.
 *
 * The correlation id differs per sequence, so these requests are encoded per send (a JSON
 * header or a protobuf message of a few hundred bytes); the tensors come from data encoded once.
 */
import type { Backend, PreparedRequest, RequestSpec } from "../backend.ts";
import type { RequestRecord } from "../measure/record.ts";
import type { RequestSource } from "./request_source.ts";
import type { SeededRandom } from "../load/random.ts";

/** One step of a data stream: its batch-1 request and expected outputs. */
export interface SequenceStep {
  spec: RequestSpec;
  expected?: ReadonlyMap<string, Uint8Array>;
  /** e.g. "stream 1 step 4" (shown with validation mismatches). */
  label?: string;
}

export interface SequenceSettings {
  /** --sequence-id-range: first id, and the end (exclusive). */
  idStart: number;
  idEnd: number;
  /** --sequence-length; used for data streams only when `lengthSet`. */
  length: number;
  lengthSet: boolean;
  /** --sequence-length-variation, percent. */
  variationPct: number;
  /** True when the steps came from a data file (the stream's length is the sequence's). */
  fromData: boolean;
  /** Open loop: --num-of-sequences contexts. */
  contexts: number;
  serial: boolean;
  /** The model's correlation id is a string (CORRID control of TYPE_STRING). */
  stringIds: boolean;
}

interface Context {
  live: boolean;
  id: number;
  stream: number;
  sent: number;
  length: number;
  inFlight: number;
}

export class SequenceSource implements RequestSource {
  readonly #contexts: Context[] = [];
  readonly #liveIds = new Set<number>();
  #counter = 0;
  /** Serial open loop: contexts with nothing in flight, oldest first. */
  readonly #free: number[] = [];
  #waiters: (() => void)[] = [];

  constructor(
    private readonly backend: Backend,
    private readonly streams: readonly (readonly SequenceStep[])[],
    private readonly settings: SequenceSettings,
    private readonly random: SeededRandom,
  ) {
    if (streams.length === 0 || streams.some((s) => s.length === 0)) {
      throw new RangeError("Cannot play sequences: a data stream has no steps");
    }
    for (let i = 0; i < settings.contexts; i++) this.#free.push(i);
  }

  next(context: number, record: RequestRecord): PreparedRequest {
    const c = context >= 0 ? context : this.#pick();
    const ctx = this.#context(c);
    if (!ctx.live) this.#begin(ctx);
    return this.#request(ctx, c, record, ctx.length - ctx.sent === 1);
  }

  ready(): Promise<void> | undefined {
    if (!this.settings.serial || this.#free.length > 0) return undefined;
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(record: RequestRecord): void {
    const ctx = this.#contexts[record.context];
    if (ctx === undefined) return;
    ctx.inFlight--;
    if (this.settings.serial && ctx.inFlight === 0) {
      this.#free.push(record.context);
      this.#waiters.shift()?.();
    }
  }

  release(context: number, record: RequestRecord): PreparedRequest | undefined {
    const c = context >= 0 ? context : this.#contexts.findIndex((x) => x?.live);
    const ctx = this.#contexts[c];
    if (ctx === undefined || !ctx.live) return undefined;
    const free = this.#free.indexOf(c);
    if (free >= 0) this.#free.splice(free, 1);
    return this.#request(ctx, c, record, true);
  }

  /** Sequences started so far (each took one id). */
  get started(): number {
    return this.#counter;
  }

  #pick(): number {
    if (this.settings.serial) return this.#free.shift()!;
    return Math.floor(this.random.nextFloat() * this.settings.contexts);
  }

  #context(c: number): Context {
    let ctx = this.#contexts[c];
    if (ctx === undefined) {
      ctx = { live: false, id: 0, stream: 0, sent: 0, length: 0, inFlight: 0 };
      this.#contexts[c] = ctx;
    }
    return ctx;
  }

  #begin(ctx: Context): void {
    ctx.id = this.#newId();
    // perf_analyzer picks the stream uniformly at random (its docs say round-robin).
    ctx.stream = Math.floor(this.random.nextFloat() * this.streams.length);
    const s = this.settings;
    ctx.length = s.fromData && !s.lengthSet
      ? this.streams[ctx.stream].length
      : this.#variedLength();
    ctx.sent = 0;
    ctx.live = true;
    this.#liveIds.add(ctx.id);
  }

  /**
   * The next id of the range, skipping ids still held by a live sequence (perf_analyzer
   * reuses the slot's previous id instead; skipping keeps ids unique either way). The range
   * is checked at startup to hold more ids than there can be live sequences.
   */
  #newId(): number {
    const range = this.settings.idEnd - this.settings.idStart;
    for (;;) {
      const id = this.settings.idStart + (this.#counter++ % range);
      if (!this.#liveIds.has(id)) return id;
    }
  }

  /**
   * base + int(u × variation% × base), u uniform in [-1, 1], at least 1 (docs/perf_analyzer.md
   * §2.9).
   */
  #variedLength(): number {
    const base = this.settings.length;
    const u = this.random.nextFloat() * 2 - 1;
    return Math.max(1, base + Math.trunc(u * (this.settings.variationPct / 100) * base));
  }

  #request(ctx: Context, c: number, record: RequestRecord, end: boolean): PreparedRequest {
    const steps = this.streams[ctx.stream];
    const step = steps[ctx.sent % steps.length];
    const id = this.settings.stringIds ? String(ctx.id) : ctx.id;
    const prepared = this.backend.prepare({
      ...step.spec,
      sequence: { id, start: ctx.sent === 0, end },
    });
    ctx.sent++;
    ctx.inFlight++;
    if (end) {
      ctx.live = false;
      this.#liveIds.delete(ctx.id);
    }
    record.expected = step.expected;
    record.dataLabel = step.label ?? "";
    record.sequenceEnd = end;
    record.context = c;
    record.sequenceId = ctx.id;
    return prepared;
  }
}
