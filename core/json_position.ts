/**
 * Where a JSON text first goes wrong. V8's JSON.parse names a position for some errors only
 * ("Unexpected token ','" has none), and a data-file error must say line and column, so a
 * syntax-only scan finds the offset once parsing has already failed (never on the happy path).
 */

const WS = new Set([" ", "\t", "\n", "\r"]);
const NUMBER = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/;

class Scan {
  i = 0;
  constructor(readonly text: string) {}

  skip(): void {
    while (WS.has(this.text[this.i])) this.i++;
  }

  fail(): never {
    throw this.i;
  }

  value(): void {
    this.skip();
    const c = this.text[this.i];
    if (c === "{") return this.object();
    if (c === "[") return this.array();
    if (c === '"') return this.string();
    for (const word of ["true", "false", "null"]) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return;
      }
    }
    const m = NUMBER.exec(this.text.slice(this.i, this.i + 400));
    if (!m) this.fail();
    this.i += m[0].length;
  }

  string(): void {
    for (this.i++; this.i < this.text.length; this.i++) {
      const c = this.text[this.i];
      if (c === '"') {
        this.i++;
        return;
      }
      if (c === "\\") this.i++;
      else if (c < " ") this.fail();
    }
    this.fail();
  }

  list(close: string, item: () => void): void {
    this.i++;
    this.skip();
    if (this.text[this.i] === close) {
      this.i++;
      return;
    }
    for (;;) {
      item();
      this.skip();
      const c = this.text[this.i];
      if (c === close) {
        this.i++;
        return;
      }
      if (c !== ",") this.fail();
      this.i++;
    }
  }

  array(): void {
    this.list("]", () => this.value());
  }

  object(): void {
    this.list("}", () => {
      this.skip();
      if (this.text[this.i] !== '"') this.fail();
      this.string();
      this.skip();
      if (this.text[this.i] !== ":") this.fail();
      this.i++;
      this.value();
    });
  }
}

/** "line L, column C" of the first syntax error (1-based), or undefined for valid JSON. */
export function jsonErrorLocation(text: string): string | undefined {
  const scan = new Scan(text);
  try {
    scan.value();
    scan.skip();
    if (scan.i < text.length) scan.fail();
    return undefined;
  } catch (at) {
    if (typeof at !== "number") throw at;
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    return `line ${line}, column ${at - before.lastIndexOf("\n")}`;
  }
}
