import assert from "node:assert/strict";
import { findHeadEnd, parseGuessedHead, parseHead, ProtocolError, ResponseHead } from "./parse.ts";

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

function parsed(text: string): ResponseHead {
  const buf = new TextEncoder().encode(text + "{}");
  const head = new ResponseHead();
  parseHead(buf, 0, findHeadEnd(buf, 0, 0, buf.length), head);
  return head;
}

Deno.test("parseHead reads the framing headers, any case, CRLF or bare LF lines", () => {
  const nginx = parsed(
    "HTTP/1.1 200 OK\r\nServer: nginx\r\nDate: Mon, 07 Dec 2026 13:37:20 GMT\r\n" +
      "Content-Type: application/json\r\nContent-Length: 256\r\nConnection: keep-alive\r\n\r\n",
  );
  assert.deepEqual(
    [nginx.status, nginx.contentLength, nginx.chunked, nginx.close, nginx.eventStream],
    [200, 256, false, false, false],
  );
  const other = parsed(
    "HTTP/1.1 404 Not Found\nx-a: b\r\ntransfer-encoding: gzip, Chunked\n" +
      "inference-header-content-length:  17 \r\ncontent-type: text/event-stream; x=1\r\n\r\n",
  );
  assert.deepEqual(
    [other.status, other.chunked, other.inferHeaderLength, other.eventStream, other.close],
    [404, true, 17, true, false],
  );
});

Deno.test("parseHead: Connection tokens and the HTTP/1.0 default decide close", () => {
  const close = (version: string, connection: string | null) =>
    parsed(
      `HTTP/1.${version} 200 OK\r\nContent-Length: 2\r\n` +
        (connection === null ? "" : `Connection: ${connection}\r\n`) + "\r\n",
    ).close;
  assert.equal(close("1", null), false);
  assert.equal(close("1", "keep-alive"), false);
  assert.equal(close("1", "Keep-Alive"), false);
  assert.equal(close("1", "close"), true);
  assert.equal(close("1", "keep-alive, close"), true);
  assert.equal(close("1", "upgrade,CLOSE"), true);
  assert.equal(close("1", "keep-alives"), false);
  assert.equal(close("0", null), true);
  assert.equal(close("0", "keep-alive"), false);
  assert.equal(close("0", "Keep-Alive"), false);
  assert.equal(close("0", "te, keep-alive"), false);
  assert.equal(close("0", "keep-alivex"), true);
});

Deno.test("parseHead refuses a header line without a colon", () => {
  assert.throws(
    () => parsed("HTTP/1.1 200 OK\r\nContent-Length 2\r\n\r\n"),
    (e) => e instanceof ProtocolError && e.message === "malformed response header line",
  );
});

Deno.test("parseGuessedHead passes only a guess at the real head end, parsing as parseHead does", () => {
  let seed = 11;
  const next = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  const lines = [
    "Content-Length: 12\r\n",
    "Server: x\r\n",
    "Connection: close\r\n",
    "X-Bare: lf\n",
    "Transfer-Encoding: chunked\r\n",
    "no colon\r\n",
  ];
  const enc = new TextEncoder();
  let passes = 0;
  for (let n = 0; n < 3000; n++) {
    let text = next() % 9 === 0 ? "HTTP/1.1 2" : "HTTP/1.1 200 OK\r\n";
    for (let k = next() % 4; k > 0; k--) text += lines[next() % lines.length];
    // The body may hold another blank line, where an older, longer head would have ended.
    text += "\r\n" + ["abc\r\n\r\nxyz", "{}", "\r\n\r\n"][next() % 3];
    const buf = enc.encode(text);
    const exact = new ResponseHead();
    const end = findHeadEnd(buf, 0, 0, buf.length);
    let exactError = "";
    try {
      if (end >= 0) parseHead(buf, 0, end, exact);
    } catch (e) {
      exactError = (e as Error).message;
    }
    for (let guess = 0; guess <= buf.length + 1; guess++) {
      const guessed = new ResponseHead();
      if (!parseGuessedHead(buf, 0, guess, buf.length, guessed)) continue;
      assert.equal(guess, end, `${JSON.stringify(text)} passed at ${guess}`);
      assert.equal(exactError, "");
      assert.deepEqual(guessed, exact);
      passes++;
    }
  }
  assert.ok(passes > 1000, `only ${passes} heads passed their guess`);
});
