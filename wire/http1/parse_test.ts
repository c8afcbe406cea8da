import assert from "node:assert/strict";
import { findHeadEnd } from "./parse.ts";

/** The head end by the definition: just past the first CRLFCRLF at or after `start`. */
function naive(buf: Uint8Array, start: number, end: number): number {
  for (let i = start + 3; i < end; i++) {
    if (buf[i - 3] === 13 && buf[i - 2] === 10 && buf[i - 1] === 13 && buf[i] === 10) return i + 1;
  }
  return -1;
}

Deno.test("findHeadEnd finds the first CRLFCRLF however CR, LF and text mix", () => {
  // Seeded, so a failure repeats: heads of CR, LF and text in every arrangement.
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const alphabet = [13, 10, 13, 10, 65, 58, 32];
  for (let n = 0; n < 5000; n++) {
    const buf = Uint8Array.from({ length: 4 + (next() % 40) }, () => alphabet[next() % 7]);
    const start = next() % 3;
    const want = naive(buf, start, buf.length);
    assert.equal(findHeadEnd(buf, start, start, buf.length), want, `${buf} from ${start}`);
    // Scanned in two reads, the second resuming 3 bytes before the first one's end.
    const cut = start + (next() % (buf.length - start));
    const first = findHeadEnd(buf, start, start, cut);
    const got = first >= 0 ? first : findHeadEnd(buf, start, Math.max(start, cut - 3), buf.length);
    assert.equal(got, want, `${buf} from ${start}, cut at ${cut}`);
  }
  const head = new TextEncoder().encode("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}");
  assert.equal(findHeadEnd(head, 0, 0, head.length), head.length - 2);
});
