/**
 * A streamed reply sent whole in one write, compiled from the first reply of its shape (plan.ts
 * `shapeKey`): its bytes are the same for every request of that shape except the chunk head
 * (id, created) and the drawn words, so later replies copy the rest instead of framing 68
 * events again. The template is a list of ops: a drawn word, or a run of constant bytes and
 * chunk heads between words; a run met again in the same reply is copied from its first place.
 */
import type { ByteWriter } from "./bytes.ts";
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

export class Template {
  /** Word index k (>= 0) or run r as -1 - r. */
  readonly #ops: number[] = [];
  readonly #runs: Part[][] = [];
  /** Where each run went in the reply being written and its length; -1 before it went. */
  readonly #runAt: Int32Array;
  readonly #runLen: Int32Array;
  /** Op index of each mark (a kept event's frame start, then its end), and its byte offset. */
  readonly #marks: number[] = [];
  readonly #markAt: Int32Array;

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
    this.#runAt = new Int32Array(this.#runs.length);
    this.#runLen = new Int32Array(this.#runs.length);
    this.#markAt = new Int32Array(this.#marks.length);
  }

  /**
   * Writes one reply into `out` (from 0) with its chunk head `lead` and its drawn `words`;
   * returns its kept events and content text.
   */
  apply(
    out: ByteWriter,
    lead: string,
    words: readonly number[],
  ): { kept: KeptEvent[]; content: string } {
    out.len = 0;
    this.#runAt.fill(-1);
    // The chunk head is encoded once, then copied.
    let leadAt = -1;
    let leadLen = 0;
    let m = 0;
    for (let i = 0; i < this.#ops.length; i++) {
      while (m < this.#marks.length && this.#marks[m] === i) this.#markAt[m++] = out.len;
      const op = this.#ops[i];
      if (op >= 0) {
        out.put(WORD_BYTES[words[op]]);
        continue;
      }
      const r = -1 - op;
      if (this.#runAt[r] >= 0) {
        out.copy(this.#runAt[r], this.#runLen[r]);
        continue;
      }
      this.#runAt[r] = out.len;
      for (const part of this.#runs[r]) {
        if (part !== LEAD) out.put(part);
        else if (leadAt >= 0) out.copy(leadAt, leadLen);
        else {
          leadAt = out.len;
          out.text(lead);
          leadLen = out.len - leadAt;
        }
      }
      this.#runLen[r] = out.len - this.#runAt[r];
    }
    while (m < this.#marks.length) this.#markAt[m++] = out.len;
    const kept: KeptEvent[] = [];
    for (let k = 0; k < this.kept.length; k++) {
      const from = this.#markAt[2 * k] + "data: ".length;
      const data = decoder.decode(out.buf.subarray(from, this.#markAt[2 * k + 1] - this.eol2));
      kept.push({ kind: this.kept[k].kind, tokens: this.kept[k].tokens, data });
    }
    let content = "";
    for (let i = this.contentFrom; i < this.words; i++) content += WORDS[words[i]];
    return { kept, content };
  }
}
