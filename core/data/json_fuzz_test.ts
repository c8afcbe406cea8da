/**
 * A seeded fuzzer for --input-data JSON files: random documents built from the words a data file
 * uses (tensor names, "data", "content", "shape", "b64", huge and odd numbers, deep nesting),
 * then cut or spliced as text. Whatever the file holds, the loader must give a data set or a
 * one-line RunError naming the file: any other exception is a crash the user would see as a
 * stack trace. Same seed, same cases, so a failure replays.
 */
import assert from "node:assert/strict";
import type { ModelInfo } from "../backend.ts";
import { RunError } from "../errors.ts";
import { SeededRandom } from "../load/random.ts";
import { modelInfo } from "../testing/model_info.ts";
import { parseJsonData } from "./json.ts";

const SEED = 23;
const CASES = 600;

const MODEL: ModelInfo = modelInfo({
  name: "m",
  inputs: [
    { name: "A", datatype: "INT32", shape: [-1] },
    { name: "F", datatype: "FP16", shape: [2, 2] },
    { name: "S", datatype: "BYTES", shape: [1] },
    { name: "B", datatype: "BOOL", shape: [3], optional: true },
  ],
  outputs: [{ name: "OUT", datatype: "UINT64", shape: [-1] }],
});

const KEYS = ["data", "validation_data", "content", "shape", "b64", "timestamp", "A", "F", "S"];
const KEYS_MORE = [...KEYS, "B", "OUT", "x", ""];
const NUMBERS = [
  "0",
  "-1",
  "1.5",
  "1e308",
  "-1e400",
  "9007199254740993",
  "18446744073709551616",
  "NaN",
  "-Infinity",
  "1e-400",
  "4294967296",
];
/** A well-formed value per input, so some documents get past every check. */
const VALID: Record<string, string> = {
  A: "[1,2]",
  F: "[[1.5,2],[3,NaN]]",
  S: '["text"]',
  B: "[true,false,true]",
};
const STRINGS = ['""', '"a"', '"AAAA"', '"=="', '"\\u0000"', '"\\ud800"', '"NaN"'];

class Gen {
  constructor(readonly rnd: SeededRandom) {}

  int(n: number): number {
    return this.rnd.nextUint32() % n;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  value(depth: number): string {
    const kind = depth > 5 ? this.int(3) : this.int(7);
    if (kind === 0) return this.pick(NUMBERS);
    if (kind === 1) return this.pick(STRINGS);
    if (kind === 2) return this.pick(["true", "null", "[]", "{}"]);
    if (kind === 3 || kind === 4) {
      const n = this.int(5);
      return `[${Array.from({ length: n }, () => this.value(depth + 1)).join(",")}]`;
    }
    if (kind === 5) {
      // Unbalanced on purpose, now and then; 100,000 deep overflowed a recursive formatter.
      const deep = this.pick([3, 600, 100_000]);
      return "[".repeat(deep) + "1" + "]".repeat(deep - this.int(2));
    }
    const n = this.int(4);
    const fields = Array.from(
      { length: n },
      () => `${JSON.stringify(this.pick(KEYS_MORE))}:${this.value(depth + 1)}`,
    );
    return `{${fields.join(",")}}`;
  }

  /** A document shaped like a data file most of the time, so the checks past parsing run. */
  document(): string {
    if (this.int(8) === 0) return this.value(0);
    const step = () => {
      const names = ["A", "F", "S", "B"].filter(() => this.int(8) !== 0);
      const fields = names.map((n) => `"${n}":${this.int(4) !== 0 ? VALID[n] : this.value(2)}`);
      if (this.int(4) === 0) fields.push(`"timestamp":${this.value(2)}`);
      return `{${fields.join(",")}}`;
    };
    const list = () =>
      this.int(3) === 0
        ? `[${Array.from({ length: 1 + this.int(2) }, () => `[${step()}]`).join(",")}]`
        : `[${Array.from({ length: 1 + this.int(3) }, step).join(",")}]`;
    const parts = [`"data":${list()}`];
    if (this.int(3) === 0) parts.push(`"validation_data":[{"OUT":${this.value(2)}}]`);
    return `{${parts.join(",")}}`;
  }

  /** Text damage: a cut, a stray character, or a spliced copy of a piece. */
  mangle(text: string): string {
    const at = this.int(text.length + 1);
    switch (this.int(6)) {
      case 0:
        return text.slice(0, at);
      case 1:
        return text.slice(0, at) + this.pick([",", "]", "}", '"', "\\", "-", "e", "\u00ff"]) +
          text.slice(at);
      case 2:
        return text.slice(0, at) + text.slice(this.int(text.length + 1));
      default:
        return text;
    }
  }

  shapes(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    if (this.int(2) === 0) out.set("A", [this.pick([1, 2, 5, 1_000_000_000_000])]);
    return out;
  }
}

Deno.test(`--input-data fuzz: ${CASES} seeded documents load or fail in one line naming the file`, () => {
  const gen = new Gen(new SeededRandom(SEED));
  let loaded = 0;
  for (let i = 0; i < CASES; i++) {
    const text = gen.mangle(gen.document());
    const shapes = gen.shapes();
    try {
      parseJsonData(text, "d.json", MODEL, shapes);
      loaded++;
    } catch (e) {
      const replay = `case ${i} (seed ${SEED}): ${text.slice(0, 200)}`;
      assert.ok(e instanceof RunError, `${replay}\n${(e as Error).stack}`);
      assert.ok(e.message.startsWith("d.json"), `${replay}\n${e.message}`);
      assert.ok(!e.message.includes("\n"), `${replay}\n${e.message}`);
      assert.ok(e.message.length < 600, `${replay}\nlong message: ${e.message.slice(0, 700)}`);
    }
  }
  // The generator must reach past the parse: some documents are valid data files.
  assert.ok(loaded > 0, "no case loaded");
});
