/**
 * Parser throughput: `npx -y deno@2.9.6 bench wire/sse/parser_bench.ts`. Each iteration parses
 * one stream of EVENTS OpenAI-style chat chunks (about 230 bytes each) cut three ways; events/s
 * is EVENTS divided by the time per iteration. A measurement, not a test.
 */
import { SseParser } from "./parser.ts";

const EVENTS = 1000;
const enc = new TextEncoder();
const chunkEvent = (i: number) =>
  `data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m",` +
  `"choices":[{"index":0,"delta":{"content":"tok${i}"},"finish_reason":null}]}\n\n`;
const events = Array.from({ length: EVENTS - 1 }, (_, i) => enc.encode(chunkEvent(i)));
events.push(enc.encode("data: [DONE]\n\n"));
const stream = new Uint8Array(events.reduce((n, e) => n + e.length, 0));
events.reduce((at, e) => (stream.set(e, at), at + e.length), 0);

/** Fixed-size reads over the whole stream (views made up front: the socket's buffer is reused). */
const cutEvery = (size: number) => {
  const out: Uint8Array[] = [];
  for (let at = 0; at < stream.length; at += size) out.push(stream.subarray(at, at + size));
  return out;
};

let seen = 0;
let done = 0;
const parser = new SseParser((ev) => {
  seen += ev.size;
  if (ev.isDone()) done++;
});

function run(reads: Uint8Array[]): void {
  parser.reset();
  for (let i = 0; i < reads.length; i++) parser.push(reads[i], i);
  if (done === 0) throw new Error("no [DONE] seen");
}

const perEvent = events;
const big = cutEvery(64 * 1024);
const odd = cutEvery(97);

Deno.bench("one event per read (1000 events)", () => run(perEvent));
Deno.bench("64 KiB reads, many events each (1000 events)", () => run(big));
Deno.bench("97-byte reads, events cut across reads (1000 events)", () => run(odd));
Deno.bench("decode every event's data to a string (1000 events)", () => {
  const p = new SseParser((ev) => {
    seen += ev.text().length;
  });
  for (let i = 0; i < perEvent.length; i++) p.push(perEvent[i], i);
});
