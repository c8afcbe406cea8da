import assert from "node:assert/strict";
import {
  composingStatsReader,
  emptyStats,
  serverStatsReader,
  statsDelta,
  wentBackwards,
} from "./server_stats.ts";
import { FakeBackend } from "../testing/fake_backend.ts";

Deno.test("statsDelta subtracts every counter", () => {
  const before = { ...emptyStats(), successCount: 10, successNs: 1000, queueNs: 50 };
  const after = { ...emptyStats(), successCount: 25, successNs: 4000, queueNs: 80 };
  const d = statsDelta(before, after);
  assert.equal(d.successCount, 15);
  assert.equal(d.successNs, 3000);
  assert.equal(d.queueNs, 30);
  assert.equal(d.cacheMissNs, 0);
  assert.equal(Object.keys(d).length, 16);
});

const stats = (queueCount: number, successCount = queueCount) => ({
  ...emptyStats(),
  queueCount,
  successCount,
});
const entry = (name: string, version: string, s = stats(0)) => ({ name, version, stats: s });
const leaf = (name: string, version: string) => ({
  name,
  version,
  responseCache: false,
  sequence: false,
  composing: [],
});

Deno.test("composing reader: an unpinned model takes the version whose queue grew", () => {
  const warnings: string[] = [];
  const r = composingStatsReader(
    () => Promise.resolve([]),
    "ens",
    "1",
    [leaf("b", ""), leaf("a", "2")],
    (m) => warnings.push(m),
  );
  const before = [
    entry("ens", "1", stats(5)),
    entry("b", "1", stats(3)),
    entry("b", "2", stats(7)),
  ];
  const after = [
    entry("ens", "1", stats(9)),
    entry("b", "1", stats(8)),
    entry("b", "2", stats(7)),
    entry("a", "2", stats(4)),
  ];
  const d = r.delta(before, after);
  assert.equal(d.successCount, 4);
  // Sorted by name; `a` was absent before, so its whole count is the level's.
  assert.deepEqual(d.composing, [
    { name: "a", version: "2", stats: stats(4) },
    { name: "b", version: "1", stats: stats(5) },
  ]);
  assert.deepEqual(warnings, []);
});

Deno.test("composing reader: several versions grew: the highest, with perf_analyzer's warning", () => {
  const warnings: string[] = [];
  const r = composingStatsReader(
    () => Promise.resolve([]),
    "ens",
    "",
    [leaf("b", "")],
    (m) => warnings.push(m),
  );
  const after = [
    entry("ens", "1", stats(2)),
    entry("b", "9", stats(1)),
    entry("b", "10", stats(1)),
  ];
  const d = r.delta([], after);
  assert.equal(d.composing![0].version, "10");
  assert.deepEqual(warnings, [
    "WARNING: Multiple versions of model b are loaded in the triton server, and the version to " +
    "use was unspecified. The stats for that model may be inaccurate.",
  ]);
});

Deno.test("composing reader: a model with no requests reports its highest version as zeros", () => {
  const r = composingStatsReader(() => Promise.resolve([]), "bls", "1", [{
    name: "inner",
    version: "",
    responseCache: false,
    sequence: false,
    composing: [leaf("c", "3")],
  }], () => {});
  const listing = [entry("bls", "1", stats(1)), entry("inner", "2"), entry("inner", "11")];
  const d = r.delta(listing, [...listing, entry("c", "3", stats(2))]);
  assert.deepEqual(d.composing, [{
    name: "inner",
    version: "11",
    stats: { ...emptyStats(), composing: [{ name: "c", version: "3", stats: stats(2) }] },
  }]);
  assert.equal(wentBackwards(d), false);
  assert.equal(
    wentBackwards({ ...d, composing: [{ ...d.composing![0], stats: stats(-1) }] }),
    true,
  );
});

Deno.test("serverStatsReader: refuses composing models the server does not list", async () => {
  const backend = new FakeBackend();
  const listing = [entry("simple", "1"), entry("a", "1")];
  Object.assign(backend, {
    serverStats: () => Promise.resolve(emptyStats()),
    allModelStats: () => Promise.resolve(listing),
  });
  assert.ok(await serverStatsReader(backend, "simple", "1", [leaf("a", "")], () => {}));
  await assert.rejects(
    serverStatsReader(backend, "simple", "1", [leaf("a", ""), leaf("zz", "")], () => {}),
    /failed to get model statistics: no statistics returned for 'zz'/,
  );
  // No statistics extension: no reader, composing models or not.
  Object.assign(backend, { serverStats: () => Promise.resolve(undefined) });
  assert.equal(
    await serverStatsReader(backend, "simple", "1", [leaf("a", "")], () => {}),
    undefined,
  );
});

Deno.test("serverStatsReader: composing models need a kind that lists every model", async () => {
  const backend = Object.assign(new FakeBackend(), {
    serverStats: () => Promise.resolve(emptyStats()),
  });
  await assert.rejects(
    serverStatsReader(backend, "simple", "1", [leaf("a", "")], () => {}),
    /--service-kind fake cannot list every model's statistics/,
  );
});

Deno.test("a composing listing restarted when any model's counter fell or a model vanished", () => {
  const r = composingStatsReader(() => Promise.resolve([]), "ens", "1", [leaf("a", "1")], () => {});
  const before = [entry("ens", "1", stats(5)), entry("a", "1", stats(5))];
  assert.equal(
    r.restarted(before, [entry("ens", "1", stats(9)), entry("a", "1", stats(7))]),
    false,
  );
  assert.equal(r.restarted(before, [entry("ens", "1", stats(9)), entry("a", "1", stats(2))]), true);
  assert.equal(r.restarted(before, [entry("ens", "1", stats(9))]), true);
});
