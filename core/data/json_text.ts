/**
 * The JSON text of an --input-data file to a value. JSON.parse does the common case; a small
 * strict parser of ours takes over only when the text needs more than JSON.parse gives:
 *  - NaN, Infinity and -Infinity literals, which perf_analyzer accepts (rapidjson's
 *    kParseNanAndInfFlag);
 *  - integer literals beyond 2^53, kept exact as bigint (INT64/UINT64 data would otherwise be
 *    rounded silently);
 *  - a syntax error, reported with line and column (some V8 messages carry no position).
 * Our parser reads strings as strings, so a "NaN" inside a string stays text. Rather than
 * rewriting the literals before JSON.parse (which shifts every error position), the cheap
 * substring tests below only decide which parser runs; a false alarm (the word inside a
 * string) costs speed, never correctness.
 */
import { RunError } from "../errors.ts";

/** 16+ digits with no fraction or exponent: the only literals that can exceed 2^53. */
const LONG_INTEGER = /(?:^|[^\d.eE+-])-?\d{16,}(?![\d.eE])/;
const NUMBER = /-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/y;
/** Deeper documents are refused rather than overflowing the stack of the recursive parser. */
const MAX_DEPTH = 512;
const ESCAPES: Record<string, string> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** Parses `text` (read from `path`); a syntax error is a RunError naming path, line, column. */
export function parseJsonText(text: string, path: string): unknown {
  const plain = !text.includes("NaN") && !text.includes("Infinity") && !LONG_INTEGER.test(text);
  if (plain) {
    try {
      return JSON.parse(text);
    } catch {
      // Parsed again below only to say where and why, in our words.
    }
  }
  return new Parser(text, path).document();
}

class Parser {
  private at = 0;

  constructor(private readonly text: string, private readonly path: string) {}

  document(): unknown {
    const value = this.value(0);
    this.space();
    if (this.at < this.text.length) throw this.fail("unexpected data after the JSON value");
    return value;
  }

  private value(depth: number): unknown {
    if (depth > MAX_DEPTH) throw this.fail("nested too deeply");
    this.space();
    const t = this.text;
    const c = t[this.at];
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "t") return this.word("true", true);
    if (c === "f") return this.word("false", false);
    if (c === "n") return this.word("null", null);
    if (c === "N") return this.word("NaN", NaN);
    if (c === "I") return this.word("Infinity", Infinity);
    if (c === "-" && t[this.at + 1] === "I") return this.word("-Infinity", -Infinity);
    if (c === "-" || (c >= "0" && c <= "9")) return this.number();
    throw this.fail(c === undefined ? "unexpected end of data" : `unexpected character ${show(c)}`);
  }

  private object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.at++;
    this.space();
    if (this.text[this.at] === "}") {
      this.at++;
      return out;
    }
    for (;;) {
      this.space();
      if (this.text[this.at] !== '"') throw this.fail("expected a property name in double quotes");
      const key = this.string();
      this.space();
      if (this.text[this.at] !== ":") throw this.fail("expected ':' after a property name");
      this.at++;
      // defineProperty, so a "__proto__" key is data (as with JSON.parse), not the prototype.
      Object.defineProperty(out, key, {
        value: this.value(depth + 1),
        writable: true,
        enumerable: true,
        configurable: true,
      });
      if (this.close("}")) return out;
    }
  }

  private array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === "]") {
      this.at++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      if (this.close("]")) return out;
    }
  }

  /** After a member: true at the closing bracket, false at a comma. */
  private close(bracket: "]" | "}"): boolean {
    this.space();
    const c = this.text[this.at];
    this.at++;
    if (c === bracket) return true;
    if (c === ",") return false;
    this.at--;
    const after = bracket === "]" ? "an array element" : "a property value";
    throw this.fail(`expected ',' or '${bracket}' after ${after}`);
  }

  private string(): string {
    const t = this.text;
    let out = "";
    let from = ++this.at;
    for (;;) {
      const c = t.charCodeAt(this.at);
      if (c === 0x22) {
        out += t.slice(from, this.at++);
        return out;
      }
      if (this.at >= t.length) throw this.fail("unterminated string");
      if (c < 0x20) throw this.fail("control character in a string (escape it)");
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += t.slice(from, this.at) + this.escape();
      from = this.at;
    }
  }

  /** At a backslash: the character it stands for; leaves `at` after the escape. */
  private escape(): string {
    const t = this.text;
    const c = t[this.at + 1];
    if (c === "u") {
      const hex = t.slice(this.at + 2, this.at + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.fail("bad \\u escape in a string");
      this.at += 6;
      return String.fromCharCode(parseInt(hex, 16));
    }
    const mapped = c === undefined ? undefined : ESCAPES[c];
    if (mapped === undefined) throw this.fail("bad escape in a string");
    this.at += 2;
    return mapped;
  }

  private word<T>(word: string, value: T): T {
    if (!this.text.startsWith(word, this.at)) {
      throw this.fail(`unexpected character ${show(this.text[this.at])}`);
    }
    this.at += word.length;
    return value;
  }

  private number(): number | bigint {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.text);
    if (m === null) throw this.fail("invalid number");
    this.at += m[0].length;
    const n = Number(m[0]);
    const integer = m[1] === undefined && m[2] === undefined;
    return integer && !Number.isSafeInteger(n) ? BigInt(m[0]) : n;
  }

  private space(): void {
    const t = this.text;
    for (;;) {
      const c = t.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  private fail(what: string): RunError {
    let line = 1;
    let lineStart = 0;
    for (
      let i = this.text.indexOf("\n");
      i !== -1 && i < this.at;
      i = this.text.indexOf("\n", i + 1)
    ) {
      line++;
      lineStart = i + 1;
    }
    const column = this.at - lineStart + 1;
    return new RunError(`${this.path}: invalid JSON at line ${line}, column ${column}: ${what}`);
  }
}

function show(c: string): string {
  return JSON.stringify(c);
}
