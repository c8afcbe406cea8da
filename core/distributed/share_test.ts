import assert from "node:assert/strict";
import { evenSegmentation, parseSegmentation, type Segmentation } from "./segment.ts";
import { Stripes } from "./share.ts";
import {
  constantSchedule,
  fixedSchedules,
  intervalSchedule,
  poissonSchedule,
  type Schedule,
} from "../load/schedule.ts";

/** Every part of a segmentation, as each worker would build it. */
function everyPart(s: Segmentation): Stripes[] {
  return s.sequence.slice(1).map((_, index) => new Stripes({ ...s, index }));
}

const SEGMENTATIONS: [string, Segmentation][] = [
  ["3 equal", evenSegmentation(0, 3)],
  ["7 equal", evenSegmentation(0, 7)],
  ["uneven", parseSegmentation("0:1/4", "0,1/4,0.3,2/3,1")],
  ["one", evenSegmentation(0, 1)],
];

Deno.test("shares of every count add up exactly and stay within one unit of the quota", () => {
  for (const [name, seg] of SEGMENTATIONS) {
    const parts = everyPart(seg);
    for (let m = 0; m <= 500; m++) {
      const shares = parts.map((p) => p.share(m));
      assert.equal(shares.reduce((a, b) => a + b, 0), m, `${name}, m=${m}`);
      shares.forEach((s, i) => {
        const a = seg.sequence[i];
        const b = seg.sequence[i + 1];
        const quota = m * (b.num / b.den - a.num / a.den);
        assert.ok(Math.abs(s - quota) < 1, `${name} part ${i}: ${s} vs ${quota}`);
      });
    }
  }
});

Deno.test("equal parts deal unit j to worker j mod n, as k6's striping", () => {
  const parts = everyPart(evenSegmentation(0, 4));
  for (let j = 0; j < 40; j++) {
    assert.deepEqual(parts.map((p) => p.owns(j)), [0, 1, 2, 3].map((i) => i === j % 4));
  }
  // Concurrency 10 over 4 workers: the first two take the remainder.
  assert.deepEqual(parts.map((p) => p.share(10)), [3, 3, 2, 2]);
});

Deno.test("sub-ranges are disjoint, contiguous and cover the range", () => {
  for (const [name, seg] of SEGMENTATIONS) {
    const pieces = everyPart(seg).map((p) => p.subrange(1, 0xffffffff));
    assert.equal(pieces[0][0], 1, name);
    assert.equal(pieces.at(-1)![1], 0xffffffff, name);
    for (let i = 1; i < pieces.length; i++) assert.equal(pieces[i][0], pieces[i - 1][1], name);
  }
  assert.deepEqual(everyPart(evenSegmentation(0, 3)).map((p) => p.subrange(1, 11)), [
    [1, 5],
    [5, 8],
    [8, 11],
  ]);
});

/** The union of the workers' striped offsets, sorted, against the first n global offsets. */
function assertUnionIsGlobal(make: () => Schedule, seg: Segmentation, n: number) {
  const global = make();
  const expected = Array.from({ length: n }, () => global.next());
  const union: number[] = [];
  for (const part of everyPart(seg)) {
    const mine = part.stripe(make());
    for (let k = part.share(n); k > 0; k--) union.push(mine.next());
  }
  // Bit for bit: the same numbers, each exactly once (offsets never decrease, so sorting
  // restores the global order).
  union.sort((a, b) => a - b);
  assert.deepEqual(union, expected);
}

Deno.test("striped schedules union to the single-machine schedule exactly", () => {
  for (const [, seg] of SEGMENTATIONS) {
    assertUnionIsGlobal(() => constantSchedule(333), seg, 1000);
    assertUnionIsGlobal(() => poissonSchedule(1000, 42), seg, 1000);
    assertUnionIsGlobal(() => intervalSchedule([100_000, 250_000, 3_000], "t"), seg, 1000);
    const times = Array.from({ length: 300 }, (_, i) => Math.floor(i * 1.7));
    assertUnionIsGlobal(() => fixedSchedules(times, "t").next(), seg, 300);
  }
});

Deno.test("segments: k6 spellings parse; bad ones are usage errors naming the flag", () => {
  const s = parseSegmentation("1/4:1/2", "0,1/4,1/2,3/4,1");
  assert.equal(s.index, 1);
  assert.equal(new Stripes(s).period, 4);
  assert.equal(parseSegmentation("0.5:1").index, 1);
  assert.throws(() => parseSegmentation("1/2:1/4"), /a must be below b/);
  assert.throws(() => parseSegmentation("1/3:2/3", "0,1/2,1"), /not one of the parts/);
  assert.throws(() => parseSegmentation("x:1"), /--execution-segment: "x"\. Expected a fraction/);
  assert.throws(() => parseSegmentation("0:1/2", "0,1/2"), /from 0 to 1/);
});
