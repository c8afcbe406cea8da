import assert from "node:assert/strict";
import type { RequestSpec, SequenceControl } from "../backend.ts";
import { Dispatcher } from "../load/dispatcher.ts";
import { SeededRandom } from "../load/random.ts";
import { RequestRecord } from "../measure/record.ts";
import { type SequenceSettings, SequenceSource, type SequenceStep } from "./sequence_source.ts";
import { FakeBackend } from "../testing/fake_backend.ts";
import { systemClock } from "../clock.ts";

function step(value: number): SequenceStep {
  return {
    spec: {
      model: "seq",
      version: "",
      inputs: [{ name: "INPUT", datatype: "INT32", shape: [1], bytes: Uint8Array.of(value) }],
      outputs: [],
      batchSize: 1,
    },
    expected: new Map([["OUTPUT", Uint8Array.of(value)]]),
  };
}

function settings(over: Partial<SequenceSettings> = {}): SequenceSettings {
  return {
    idStart: 1,
    idEnd: 0xffffffff,
    length: 20,
    lengthSet: false,
    variationPct: 20,
    fromData: true,
    contexts: 4,
    serial: false,
    stringIds: false,
    ...over,
  };
}

/** What one context sent, as [id, start, end, input byte]. */
type Sent = [number | string, boolean, boolean, number];

function play(source: SequenceSource, context: number, n: number): Sent[] {
  const out: Sent[] = [];
  const record = new RequestRecord();
  for (let i = 0; i < n; i++) {
    record.reset(0);
    const spec = source.next(context, record) as RequestSpec;
    const seq = spec.sequence as SequenceControl;
    assert.equal(record.sequenceEnd, seq.end);
    assert.equal(record.expected?.get("OUTPUT")?.[0], spec.inputs[0].bytes[0]);
    out.push([seq.id, seq.start, seq.end, spec.inputs[0].bytes[0]]);
    source.done(record);
  }
  return out;
}

Deno.test("a data stream plays in order: START first, END last, one id, then the next id", () => {
  const source = new SequenceSource(
    new FakeBackend(),
    [[step(1), step(2), step(3)]],
    settings(),
    new SeededRandom(1),
  );
  assert.deepEqual(play(source, 0, 4), [
    [1, true, false, 1],
    [1, false, false, 2],
    [1, false, true, 3],
    [2, true, false, 1],
  ]);
});

Deno.test("release closes an open sequence with END on its next step, and only once", () => {
  const source = new SequenceSource(
    new FakeBackend(),
    [[step(1), step(2), step(3)]],
    settings({ stringIds: true }),
    new SeededRandom(1),
  );
  play(source, 0, 1);
  const record = new RequestRecord();
  const closing = source.release(0, record) as RequestSpec;
  assert.deepEqual(closing.sequence, { id: "1", start: false, end: true });
  assert.equal(closing.inputs[0].bytes[0], 2);
  assert.equal(source.release(0, record), undefined);
});

Deno.test("synthetic sequences vary their length within ±variation, seeded", () => {
  const lengths = (seed: number) => {
    const source = new SequenceSource(
      new FakeBackend(),
      [[step(0)]],
      settings({ fromData: false, length: 10, variationPct: 50 }),
      new SeededRandom(seed),
    );
    const ends = play(source, 0, 400).filter((s) => s[2]).map((s) => s[0]);
    return ends.length;
  };
  const n = lengths(7);
  assert.equal(lengths(7), n, "same seed, same lengths");
  // 400 requests over sequences of 5..15 requests each.
  assert.ok(n >= 400 / 15 && n <= 400 / 5 + 1, `${n} sequences`);
});

Deno.test("ids wrap within the range and skip ids that are still live", () => {
  const source = new SequenceSource(
    new FakeBackend(),
    [[step(1), step(2)]],
    settings({ idStart: 10, idEnd: 12 }),
    new SeededRandom(1),
  );
  const ids = [0, 1].map((c) => play(source, c, 1)[0][0]);
  assert.deepEqual(ids, [10, 11]);
  play(source, 0, 1); // context 0 ends id 10
  assert.equal(play(source, 0, 1)[0][0], 10, "11 is live, so the range wraps to 10");
});

Deno.test("serial open loop: a context with a request out is not picked; ready() waits", async () => {
  const source = new SequenceSource(
    new FakeBackend(),
    [[step(1), step(2), step(3)]],
    settings({ contexts: 2, serial: true }),
    new SeededRandom(1),
  );
  const a = new RequestRecord();
  const b = new RequestRecord();
  source.next(-1, a);
  source.next(-1, b);
  assert.notEqual(a.context, b.context);
  const waiting = source.ready();
  assert.ok(waiting instanceof Promise);
  source.done(b);
  await waiting;
  const c = new RequestRecord();
  source.next(-1, c);
  assert.equal(c.context, b.context);
});

Deno.test("closed loop: each slot keeps its sequence, and stopping closes every open one", async () => {
  const backend = new FakeBackend();
  const source = new SequenceSource(
    backend,
    [[step(1), step(2), step(3), step(4)]],
    settings(),
    new SeededRandom(3),
  );
  let completed = 0;
  const d = new Dispatcher(backend, source, systemClock, {
    sent() {},
    completed() {
      completed++;
    },
  });
  d.limit(10);
  await d.setLevel(3);
  await d.drain();
  await d.stop();
  const sent = backend.sentPayloads.map((p) => (p as RequestSpec).sequence!);
  assert.equal(completed, 10, "closing requests are not reported as load");
  const byId = new Map<number | string, SequenceControl[]>();
  for (const s of sent) byId.set(s.id, [...(byId.get(s.id) ?? []), s]);
  for (const [id, list] of byId) {
    assert.equal(list[0].start, true, `sequence ${id} starts`);
    assert.equal(list.filter((s) => s.start).length, 1);
    assert.equal(list.at(-1)!.end, true, `sequence ${id} ends`);
    assert.equal(list.filter((s) => s.end).length, 1);
  }
});
