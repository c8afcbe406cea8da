import assert from "node:assert/strict";
import { isDoneData, type KnownValue, SseError, type SseEvent, SseParser } from "./parser.ts";
import { SeededRandom } from "../../core/load/random.ts";

const enc = new TextEncoder();
const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });

/** What a test compares: everything an event exposes, times as chunk indices. */
interface Seen {
  type: string;
  data: string;
  id: string;
  retry: number;
  timeNs: number;
  firstByteNs: number;
}

function snapshot(ev: SseEvent): Seen {
  return {
    type: ev.type,
    data: ev.text(),
    id: ev.lastEventId,
    retry: ev.retryMs,
    timeNs: ev.timeNs,
    firstByteNs: ev.firstByteNs,
  };
}

/** Feeds `bytes` cut at `cuts` (sorted offsets); chunk k is stamped k. */
function parseCut(bytes: Uint8Array, cuts: number[]): { events: Seen[]; midEvent: boolean } {
  const events: Seen[] = [];
  const parser = new SseParser((ev) => events.push(snapshot(ev)));
  let from = 0;
  let k = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(bytes.slice(from, cut), k++);
    from = cut;
  }
  return { events, midEvent: parser.midEvent };
}

/**
 * As parseCut, but each chunk is a view at byte `shift` of one reused buffer that holds line
 * ends all around it and is overwritten with them after every push: the word-at-a-time scan
 * must start at any alignment, stop at the view's end and keep nothing of the buffer.
 */
function parseViews(
  bytes: Uint8Array,
  cuts: number[],
  shift: number,
): { events: Seen[]; midEvent: boolean } {
  const events: Seen[] = [];
  const parser = new SseParser((ev) => events.push(snapshot(ev)));
  const scratch = new Uint8Array(bytes.length + shift + 8);
  let from = 0;
  let k = 0;
  for (const cut of [...cuts, bytes.length]) {
    scratch.fill(10);
    scratch.set(bytes.subarray(from, cut), shift);
    parser.push(scratch.subarray(shift, shift + cut - from), k++);
    from = cut;
  }
  scratch.fill(13);
  return { events, midEvent: parser.midEvent };
}

/**
 * An independent, deliberately plain reading of the event-stream rules: split the whole input
 * into lines first, then run the field algorithm. Times are the byte offsets of the blank
 * line's terminator and of the first field line's first byte (mapped to chunks by the caller).
 */
interface Oracle {
  events: { type: string; data: string; id: string; retry: number; end: number; first: number }[];
  midEvent: boolean;
}

function oracle(bytes: Uint8Array): Oracle {
  let i = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const lines: { s: number; e: number }[] = [];
  let s = i;
  for (; i < bytes.length; i++) {
    if (bytes[i] === 10 || bytes[i] === 13) {
      lines.push({ s, e: i });
      if (bytes[i] === 13 && bytes[i + 1] === 10) i++;
      s = i + 1;
    }
  }
  const partialLine = s < bytes.length;
  const events: Oracle["events"] = [];
  let data: number[] = [];
  let hasData = false;
  let type = "";
  let id = "";
  let retry = -1;
  let first = -1;
  for (const { s, e } of lines) {
    const line = bytes.subarray(s, e);
    if (line.length === 0) {
      if (hasData) {
        events.push({
          type: type === "" ? "message" : type,
          data: utf8.decode(Uint8Array.from(data.slice(0, -1))),
          id,
          retry,
          end: e,
          first,
        });
      }
      data = [];
      hasData = false;
      type = "";
      first = -1;
      continue;
    }
    if (line[0] === 58) continue;
    if (first < 0) first = s;
    const c = line.indexOf(58);
    const name = utf8.decode(c < 0 ? line : line.subarray(0, c));
    let value = c < 0 ? new Uint8Array(0) : line.subarray(c + 1);
    if (value[0] === 32) value = value.subarray(1);
    if (name === "data") {
      data.push(...value, 10);
      hasData = true;
    } else if (name === "event") type = utf8.decode(value);
    else if (name === "id") {
      if (!value.includes(0)) id = utf8.decode(value);
    } else if (name === "retry" && value.length > 0 && value.every((b) => b >= 48 && b <= 57)) {
      retry = Number(utf8.decode(value));
    }
  }
  return { events, midEvent: partialLine || first >= 0 };
}

/** The oracle's answer with byte offsets turned into the index of the chunk holding them. */
function expected(bytes: Uint8Array, cuts: number[]): { events: Seen[]; midEvent: boolean } {
  const chunkOf = (offset: number) => cuts.filter((c) => c <= offset).length;
  const o = oracle(bytes);
  return {
    events: o.events.map(({ end, first, ...rest }) => ({
      ...rest,
      timeNs: chunkOf(end),
      firstByteNs: chunkOf(first),
    })),
    midEvent: o.midEvent,
  };
}

const bytesOf = (...parts: (string | number[])[]) =>
  Uint8Array.from(parts.flatMap((p) => typeof p === "string" ? [...enc.encode(p)] : p));

/** Everything at once: BOM, all three line ends, comments, fields, split-prone UTF-8, a tail. */
const MIXED = bytesOf(
  [0xef, 0xbb, 0xbf],
  "data: a\r\n\r\n",
  ": keep-alive\n",
  "data:b\rdata:  c\r\n\n",
  "data: x\r\ndata: y\r\n\r\n",
  'event: error\ndata: {"x":1}\nid: 7\n\n',
  "data: h\u00e9 \u65e5\u{1f389}\r\r",
  "event: lone\n\n",
  "retry: 250\ndata\n\n",
  "id: a\u0000b\nretry: 1x\ndata: [DONE]\n\n",
  "data: partial",
);

Deno.test("the mixed stream parses to the events the rules define", () => {
  const { events, midEvent } = parseCut(MIXED, []);
  assert.deepEqual(events.map((e) => [e.type, e.data, e.id, e.retry]), [
    ["message", "a", "", -1],
    ["message", "b\n c", "", -1],
    ["message", "x\ny", "", -1],
    ["error", '{"x":1}', "7", -1],
    ["message", "h\u00e9 \u65e5\u{1f389}", "7", -1],
    ["message", "", "7", 250],
    ["message", "[DONE]", "7", 250],
  ]);
  assert.equal(midEvent, true, "the trailing partial event is held, not dispatched");
  assert.deepEqual(expected(MIXED, []), { events, midEvent });
});

Deno.test("same events however the stream is cut once (every offset)", () => {
  for (let a = 0; a <= MIXED.length; a++) {
    assert.deepEqual(parseCut(MIXED, [a]), expected(MIXED, [a]), `cut at ${a}`);
  }
});

Deno.test("same events however the stream is cut twice (every pair of offsets)", () => {
  for (let a = 0; a <= MIXED.length; a++) {
    for (let b = a; b <= MIXED.length; b++) {
      assert.deepEqual(parseCut(MIXED, [a, b]), expected(MIXED, [a, b]), `cuts at ${a},${b}`);
    }
  }
});

Deno.test("one byte per read gives the same events, each stamped with its completing read", () => {
  const cuts = Array.from({ length: MIXED.length - 1 }, (_, i) => i + 1);
  const got = parseCut(MIXED, cuts);
  assert.deepEqual(got, expected(MIXED, cuts));
  // The first event's blank line ends with CRLF: the CR (offset 12) completes it.
  assert.equal(got.events[0].timeNs, 12);
  assert.equal(got.events[0].firstByteNs, 3);
});

/** Uniform [0, 1) draws of a seeded generator, so failures reproduce. */
function rng(seed: number): () => number {
  const random = new SeededRandom(seed);
  return () => random.nextFloat();
}

Deno.test("random streams with random line ends and random cuts match the oracle", () => {
  const rand = rng(18);
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)];
  const eols = ["\n", "\r", "\r\n"];
  const values = ["", " ", "x", '{"choices":[]}', "\u00e9\u{1f600}", ":", " lead", "[DONE]"];
  // Long values, some with control bytes below CR (tab, VT, FF, NUL) that are no line end.
  values.push('{"id":"chatcmpl-1","choices":[{"delta":{"content":" \u00e9t\u00e9"}}]}');
  values.push("\t\t\ta\u000bb\u000c\u0000" + "\u00e9\u65e5".repeat(7) + "\tz");
  for (let round = 0; round < 300; round++) {
    let text = rand() < 0.3 ? "\ufeff" : "";
    const lines = 1 + Math.floor(rand() * 30);
    for (let l = 0; l < lines; l++) {
      const kind = rand();
      if (kind < 0.25) text += "";
      else if (kind < 0.35) text += ": ping";
      else {text += pick(["data", "data:", "data: ", "event: ", "id: ", "retry: ", "other: "]) +
          pick(values);}
      text += pick(eols);
    }
    const bytes = enc.encode(text);
    const cuts: number[] = [];
    for (let at = 0; at < bytes.length;) {
      at += 1 + Math.floor(rand() * 8);
      if (at < bytes.length) cuts.push(at);
    }
    const want = expected(bytes, cuts);
    assert.deepEqual(parseCut(bytes, cuts), want, `round ${round}: ${text}`);
    assert.deepEqual(parseViews(bytes, cuts, round % 4), want, `round ${round} as views`);
    assert.deepEqual(parseKnown(bytes, cuts).parsed, want, `round ${round} with knownValue`);
  }
});

/**
 * A knownValue hook that vouches for values opening with `{`: it finds their end itself (as a
 * caller that knows its events would, without telling the parser how) and keeps the last one.
 */
class Vouch {
  last = "";
  calls = 0;
  readonly hook: KnownValue = (buf, start, end) => {
    this.calls++;
    this.last = "";
    if (buf[start] !== 123) return -1;
    let i = start;
    while (i < end && buf[i] !== 10 && buf[i] !== 13) i++;
    this.last = utf8.decode(buf.subarray(start, i));
    // A value cut by the chunk's end has no line end after it: the parser must scan instead.
    return i - start;
  };
}

/** parseCut with the hook; also which events came marked known, checked against the hook. */
function parseKnown(bytes: Uint8Array, cuts: number[], vouch = new Vouch()) {
  const events: Seen[] = [];
  const known: boolean[] = [];
  const parser = new SseParser((ev) => {
    events.push(snapshot(ev));
    known.push(ev.known);
    if (ev.known) assert.equal(ev.text(), vouch.last, "a known event is the value vouched for");
  }, { knownValue: vouch.hook });
  let from = 0;
  let k = 0;
  for (const cut of [...cuts, bytes.length]) {
    parser.push(bytes.slice(from, cut), k++);
    from = cut;
  }
  return { parsed: { events, midEvent: parser.midEvent }, known };
}

const JSON_EVENTS = bytesOf(
  'data: {"a":1}\n\n',
  'data:{"b":2}\r\n\r\n',
  'data: {"c":\ndata: 3}\n\n',
  'event: x\ndata: {"d":4}\rid: 9\r\r',
  ": note\ndata: plain\n\n",
  'data: {"e":5}\n\n',
  "data: [DONE]\n\n",
);

Deno.test("knownValue: a vouched first data line is taken as it is, events stay the same", () => {
  const { parsed, known } = parseKnown(JSON_EVENTS, []);
  assert.deepEqual(parsed, expected(JSON_EVENTS, []));
  // Single-line JSON values are known; two data lines, plain text and [DONE] are not.
  assert.deepEqual(known, [true, true, false, true, false, true, false]);
  for (let a = 0; a <= JSON_EVENTS.length; a++) {
    for (let b = a; b <= JSON_EVENTS.length; b += 3) {
      const got = parseKnown(JSON_EVENTS, [a, b]);
      assert.deepEqual(got.parsed, expected(JSON_EVENTS, [a, b]), `cuts at ${a},${b}`);
    }
  }
  for (let a = 0; a <= MIXED.length; a++) {
    assert.deepEqual(parseKnown(MIXED, [a]).parsed, expected(MIXED, [a]), `MIXED cut at ${a}`);
  }
});

Deno.test("knownValue: an event cut across pushes is not known; a wrong length is not used", () => {
  // Cut inside the second event's value: it is gathered, then dispatched from the parser's buffer.
  const cut = JSON_EVENTS.indexOf(0x62) + 1; // after the `b` of {"b":2}
  assert.deepEqual(parseKnown(JSON_EVENTS, [cut]).known, [
    true,
    false,
    false,
    true,
    false,
    true,
    false,
  ]);
  // Cut between the value and the blank line: the view is copied at the end of the push.
  const nl = JSON_EVENTS.indexOf(10) + 1;
  assert.equal(parseKnown(JSON_EVENTS, [nl]).known[0], false);
  // A hook whose length does not end at a line end is ignored: the parser scans.
  const short = new Vouch();
  const hook = short.hook;
  const shortBy1: KnownValue = (buf, start, end) => {
    const n = hook(buf, start, end);
    return n > 0 ? n - 1 : n;
  };
  const events: string[] = [];
  const known: boolean[] = [];
  const parser = new SseParser((ev) => {
    events.push(ev.text());
    known.push(ev.known);
  }, { knownValue: shortBy1 });
  parser.push(JSON_EVENTS, 0);
  assert.deepEqual(events, expected(JSON_EVENTS, []).events.map((e) => e.data));
  assert.ok(known.every((k) => !k));
  assert.ok(short.calls >= 6, "the hook was asked at each event's first data line");
});

Deno.test("a 1 MiB event across many reads arrives whole and stamped at its last read", () => {
  const payload = "\u00e9".repeat(512 * 1024); // 1 MiB of two-byte characters
  const bytes = enc.encode(`data: ${payload}\ndata: tail\n\n`);
  for (const size of [1000, 4093, 65536]) {
    const seen: Seen[] = [];
    const parser = new SseParser((ev) => seen.push(snapshot(ev)));
    let k = 0;
    for (let at = 0; at < bytes.length; at += size) {
      parser.push(bytes.subarray(at, at + size), k++);
    }
    assert.equal(seen.length, 1);
    assert.equal(seen[0].data, `${payload}\ntail`);
    assert.equal(seen[0].timeNs, k - 1);
    assert.equal(seen[0].firstByteNs, 0);
  }
});

Deno.test("a whole event inside one chunk is handed as a view into that chunk", () => {
  const chunk = enc.encode("data: [DONE]\n\n");
  let same = false;
  let done = false;
  const parser = new SseParser((ev) => {
    same = ev.buf === chunk && ev.size === 6;
    done = ev.isDone();
  });
  parser.push(chunk, 1);
  assert.equal(same, true);
  assert.equal(done, true);
  assert.equal(isDoneData(enc.encode(" [DONE]"), 1, 7), true);
  assert.equal(isDoneData(enc.encode("[DONE] "), 0, 7), false);
});

Deno.test("a data line cut between reads is not a view into a chunk that is gone", () => {
  const seen: string[] = [];
  const parser = new SseParser((ev) => seen.push(ev.text()));
  const first = enc.encode("data: abc\n");
  parser.push(first, 0);
  first.fill(0x21); // the caller reuses its buffer before the blank line arrives
  parser.push(enc.encode("\n"), 1);
  assert.deepEqual(seen, ["abc"]);
});

Deno.test("event names compare as bytes and decode once per distinct value", () => {
  const types: string[] = [];
  const errors: boolean[] = [];
  const ERROR = enc.encode("error");
  const parser = new SseParser((ev) => {
    types.push(ev.type);
    errors.push(ev.typeIs(ERROR));
  });
  parser.push(enc.encode("event: error\ndata: 1\n\nevent: error\ndata: 2\n\ndata: 3\n\n"), 0);
  assert.deepEqual(types, ["error", "error", "message"]);
  assert.deepEqual(errors, [true, true, false]);
});

Deno.test("a stray BOM-like prefix is content, not dropped", () => {
  // 0xEF then "data: z": were the 0xEF dropped, the line would be a data field.
  for (let cut = 0; cut <= 3; cut++) {
    const bytes = bytesOf([0xef], "data: z\n\ndata: y\n\n");
    assert.deepEqual(parseCut(bytes, [cut]).events.map((e) => e.data), ["y"], `cut ${cut}`);
  }
});

Deno.test("reset starts a new stream: BOM dropped again, id and retry forgotten", () => {
  const seen: Seen[] = [];
  const parser = new SseParser((ev) => seen.push(snapshot(ev)));
  parser.push(enc.encode("id: 1\nretry: 5\ndata: a\n\ndata: cut"), 0);
  assert.equal(parser.midEvent, true);
  parser.reset();
  assert.equal(parser.midEvent, false);
  parser.push(bytesOf([0xef, 0xbb, 0xbf], "data: b\n\n"), 1);
  assert.deepEqual(seen.map((e) => [e.data, e.id, e.retry]), [["a", "1", 5], ["b", "", -1]]);
});

Deno.test("an event above the size cap is an SseError", () => {
  const parser = new SseParser(() => {}, { maxEventBytes: 100 });
  assert.throws(() => parser.push(enc.encode(`data: ${"x".repeat(200)}`), 0), SseError);
  const lines = new SseParser(() => {}, { maxEventBytes: 100 });
  assert.throws(() => lines.push(enc.encode("data: 0123456789\n".repeat(20)), 0), SseError);
});
