/**
 * A streamed reply sent whole in one write, compiled from the first reply of its shape (plan.ts
 * `shapeKey`): its bytes are the same for every request of that shape except the chunk head
 * (id, created) and the drawn words, so later replies copy the rest instead of framing 68
 * events again. The template is a list of ops: a drawn word, or a run of constant bytes and
 * chunk heads between words, kept as bytes with the last reply's chunk head in place.
 */
import { type ByteWriter, utf8 } from "./bytes.ts";
import { WORD_BYTES, WORDS } from "./tokens.ts";
import type { OpenAiEventKind } from "./truth.ts";

/** What a compiling write recorded, as [start, end, code] triples in write order. */
export const LEAD = -1;
export const MARK = -2;

/** An event the ground truth keeps: its data field is decoded from each reply's bytes. */
export interface KeptEvent {
  kind: OpenAiEventKind;
  tokens: number;
  data: string;
}

const decoder = new TextDecoder();

/** A part of a run: constant bytes, or the reply's chunk head (`LEAD`). */
type Part = Uint8Array | typeof LEAD;

const encoder = new TextEncoder();
/** Bytes of the longest word. */
const MAX_WORD = Math.max(...WORD_BYTES.map((w) => w.length));

export class Template {
  /** Word index k (>= 0) or run r as -1 - r. */
  readonly #ops: number[] = [];
  readonly #runs: Part[][] = [];
  /**
   * Each run's bytes with the last reply's chunk head in it, and views of where each head
   * sits: a reply of the same head length only rewrites those.
   */
  #runBytes: Uint8Array[] = [];
  #leads: Uint8Array[] = [];
  /** Op index of each mark (a kept event's frame start, then its end), and its byte offset. */
  readonly #marks: number[] = [];
  readonly #markAt: Int32Array;
  /** The most bytes a reply can take. */
  #most = 0;

  /**
   * From a compiled write `bytes` and its `record` (see LEAD, MARK; a code k >= 0 is drawn word
   * k). `kept` lists the kept events (two marks each); `eol2` is the bytes after a data field.
   */
  constructor(
    bytes: Uint8Array,
    record: readonly number[],
    readonly offsetNs: number,
    /** Words drawn; those from `contentFrom` on are content, not reasoning. */
    readonly words: number,
    readonly contentFrom: number,
    readonly events: number,
    readonly tokens: number,
    readonly kept: readonly { kind: OpenAiEventKind; tokens: number }[],
    readonly eol2: number,
  ) {
    const keys = new Map<string, number>();
    let run: Part[] = [];
    const endRun = () => {
      if (run.length === 0) return;
      const key = JSON.stringify(run.map((p) => p === LEAD ? null : decoder.decode(p)));
      let r = keys.get(key);
      if (r === undefined) {
        keys.set(key, r = this.#runs.length);
        this.#runs.push(run);
      }
      this.#ops.push(-1 - r);
      run = [];
    };
    let pos = 0;
    for (let i = 0; i < record.length; i += 3) {
      const [start, end, code] = [record[i], record[i + 1], record[i + 2]];
      if (start > pos) run.push(bytes.slice(pos, start));
      if (code === LEAD) run.push(LEAD);
      else {
        endRun();
        if (code === MARK) this.#marks.push(this.#ops.length);
        else this.#ops.push(code);
      }
      pos = end;
    }
    if (bytes.length > pos) run.push(bytes.slice(pos));
    endRun();
    this.#markAt = new Int32Array(this.#marks.length);
  }

  /** Puts `lead` into every run: in place when it has the last one's length, else afresh. */
  #setLead(lead: string): void {
    const first = this.#leads[0];
    if (first !== undefined) {
      const { read, written } = encoder.encodeInto(lead, first);
      if (read === lead.length && written === first.length) {
        for (let i = 1; i < this.#leads.length; i++) this.#leads[i].set(first);
        return;
      }
    }
    const head = utf8(lead);
    this.#runBytes = [];
    this.#leads = [];
    for (const parts of this.#runs) {
      const run = new Uint8Array(
        parts.reduce((n, p) => n + (p === LEAD ? head.length : p.length), 0),
      );
      let at = 0;
      for (const p of parts) {
        const bytes = p === LEAD ? head : p;
        run.set(bytes, at);
        if (p === LEAD) this.#leads.push(run.subarray(at, at + head.length));
        at += bytes.length;
      }
      this.#runBytes.push(run);
    }
    this.#most = this.words * MAX_WORD;
    for (const op of this.#ops) if (op < 0) this.#most += this.#runBytes[-1 - op].length;
  }

  /**
   * Writes one reply into `out` (reset first) with its chunk head `lead` and its drawn `words`;
   * returns its kept events and content text.
   */
  apply(
    out: ByteWriter,
    lead: string,
    words: readonly number[],
  ): { kept: KeptEvent[]; content: string } {
    this.#setLead(lead);
    out.reset();
    out.room(this.#most);
    const buf = out.buf;
    let len = out.len;
    let m = 0;
    for (let i = 0; i < this.#ops.length; i++) {
      while (m < this.#marks.length && this.#marks[m] === i) this.#markAt[m++] = len;
      const op = this.#ops[i];
      // A word is a few bytes: a loop copies them faster than a call would.
      const bytes = op >= 0 ? WORD_BYTES[words[op]] : this.#runBytes[-1 - op];
      if (op >= 0) { for (let j = 0; j < bytes.length; j++) buf[len++] = bytes[j]; }
      else {
        buf.set(bytes, len);
        len += bytes.length;
      }
    }
    while (m < this.#marks.length) this.#markAt[m++] = len;
    out.len = len;
    const kept: KeptEvent[] = [];
    for (let k = 0; k < this.kept.length; k++) {
      const from = this.#markAt[2 * k] + "data: ".length;
      const data = decoder.decode(buf.subarray(from, this.#markAt[2 * k + 1] - this.eol2));
      kept.push({ kind: this.kept[k].kind, tokens: this.kept[k].tokens, data });
    }
    let content = "";
    for (let i = this.contentFrom; i < this.words; i++) content += WORDS[words[i]];
    return { kept, content };
  }
}
