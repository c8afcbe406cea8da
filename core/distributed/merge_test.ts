import assert from "node:assert/strict";
import { Window } from "../measure/window.ts";
import { artifactsInText, framedArtifact, type WorkerArtifact } from "./artifact.ts";
import { checkCoverage, mergeLevels, type MergeSettings } from "./merge.ts";
import { makeRun, W } from "../testing/dist_artifacts.ts";

const SETTINGS: MergeSettings = {
  batchSize: 1,
  percentile: -1,
  rule: { threshold: 0.1, latencyLimitNs: 0 },
  async: false,
  requestCount: 0,
  maxErrorRate: undefined,
  warn: () => {},
};

Deno.test("merged level equals one machine's: counts, throughput, every percentile", () => {
  const { artifacts, whole } = makeRun(3, [900, 1000, 1000, 1000]);
  const [level] = mergeLevels(checkCoverage(artifacts, false), SETTINGS);
  const reported = new Window();
  for (const w of whole.slice(1)) reported.add(w);
  const expected = reported.stats(1, -1);
  const got = level.client;
  assert.equal(got.requestCount, expected.requestCount);
  assert.equal(got.errorCount, expected.errorCount);
  assert.deepEqual([...got.errors], [...expected.errors]);
  // Three windows of the shared grid: 3 s, whatever the number of workers.
  assert.equal(got.durationNs, 3 * W);
  assert.equal(got.throughput, expected.throughput);
  assert.deepEqual([...got.percentilesNs], [...expected.percentilesNs]);
  assert.deepEqual(got.spectrumNs, expected.spectrumNs);
  assert.ok(Math.abs(got.avgLatencyNs - expected.avgLatencyNs) < 1e-6 * expected.avgLatencyNs);
  assert.ok(Math.abs(got.stdLatencyNs - expected.stdLatencyNs) < 1e-6 * expected.stdLatencyNs);
  // The average worker's overhead, not the sum over the workers.
  assert.equal(got.overheadPct, 10);
  assert.equal(level.status, "stable");
  assert.equal(level.value, 8);
  assert.equal(level.passes.length, 4);
  reported.destroy();
  for (const w of whole) w.destroy();
});

Deno.test("merged stability is judged on the merged series", () => {
  // The merged windows' throughput grows by half from window to window: unstable.
  const { artifacts, whole } = makeRun(2, [400, 400, 600, 900]);
  const [level] = mergeLevels(checkCoverage(artifacts, false), SETTINGS);
  assert.equal(level.status, "unstable");
  assert.deepEqual(
    level.passes.map((p) => p.throughput),
    whole.map((w) => w.pass(1, -1).throughput),
  );
  for (const w of whole) w.destroy();
});

Deno.test("--max-error-rate: the first merged window over the limit ends the level", () => {
  const { artifacts, whole } = makeRun(2, [300, 300, 300]);
  const [level] = mergeLevels(checkCoverage(artifacts, false), { ...SETTINGS, maxErrorRate: 0 });
  assert.equal(level.status, "too_many_errors");
  assert.equal(level.passes.length, 1);
  assert.equal(level.client.errorCount, 4);
  for (const w of whole) w.destroy();
});

Deno.test("coverage: a missing worker is named; --allow-partial reports the covered fraction", () => {
  const { artifacts, whole } = makeRun(4, [10, 10, 10]);
  for (const w of whole) w.destroy();
  const without2 = artifacts.filter((a) => a.worker.index !== 2);
  assert.throws(
    () => checkCoverage(without2, false),
    /worker 2\/4 \(segment 1\/2:3\/4\) missing/,
  );
  const partial = checkCoverage(without2, true);
  assert.equal(partial.fraction, 0.75);
  assert.deepEqual(partial.missing, ["worker 2/4 (segment 1/2:3/4)"]);
  assert.deepEqual(partial.artifacts.map((a) => a.worker.index), [0, 1, 3]);
  assert.equal(checkCoverage(artifacts, false).fraction, 1);
});

Deno.test("coverage: artifacts of different runs or settings, or a worker twice, are refused", () => {
  const { artifacts, whole } = makeRun(2, [10, 10, 10]);
  for (const w of whole) w.destroy();
  const changed = (f: (a: WorkerArtifact) => void) => {
    const copy: WorkerArtifact[] = JSON.parse(JSON.stringify(artifacts));
    f(copy[1]);
    return copy;
  };
  assert.throws(() => checkCoverage(changed((a) => a.runId = "x"), false), /differ in run id/);
  assert.throws(
    () => checkCoverage(changed((a) => a.configHash = "x"), false),
    /differ in configuration/,
  );
  assert.throws(() => checkCoverage(changed((a) => a.windowNs = 2), false), /window grid/);
  assert.throws(
    () => checkCoverage(changed((a) => a.histogram = { ...a.histogram, digits: 2 }), false),
    /histogram settings/,
  );
  assert.throws(
    () => checkCoverage(changed((a) => a.worker.index = 0), false),
    /two artifacts for worker 0/,
  );
  assert.throws(
    () => checkCoverage(changed((a) => a.levels = []), false),
    /different numbers of levels \(1, 0\)/,
  );
  assert.throws(
    () => checkCoverage(changed((a) => (a as { format: string }).format = "x/2"), false),
    /format "x\/2"/,
  );
  assert.throws(() => checkCoverage([], false), /no worker artifacts/);
});

Deno.test("artifacts from logs: framed on stdout, found among other lines, prefixes removed", () => {
  const { artifacts, whole } = makeRun(2, [10, 10, 10]);
  for (const w of whole) w.destroy();
  const framed = artifacts.map(framedArtifact);
  // mpirun --tag-output puts "[1,r]<stdout>:" before every line of rank r.
  const log = `report line\n${
    framed[1].trimEnd().split("\n").map((l) => `[1,1]<stdout>:${l}`).join("\n")
  }\nmore\n${framed[0]}`;
  const found = artifactsInText(log, "pods.log");
  assert.deepEqual(found.map((a) => a.worker.index), [1, 0]);
  assert.deepEqual(found[1], artifacts[0]);
  assert.deepEqual(artifactsInText(JSON.stringify(artifacts[1]), "w.json"), [artifacts[1]]);
  assert.throws(() => artifactsInText("no artifact here", "x.log"), /x\.log holds no worker/);
  assert.throws(
    () => artifactsInText(framed[0].split("\n").slice(0, 2).join("\n"), "cut.log"),
    /cut\.log: an artifact without its END line/,
  );
  assert.throws(() => artifactsInText("{ broken", "b.json"), /b\.json is not JSON/);
  // mpirun tags each piece of a long line as it reads it, mid-line too ("...cD[1,2]<stdout>:60C
  // ..." was seen here), and interleaves the ranks' lines.
  const pieces = (rank: number, a: WorkerArtifact) => {
    const [begin, json, end] = framedArtifact(a).trimEnd().split("\n");
    const tag = `[1,${rank}]<stdout>:`;
    const third = Math.ceil(json.length / 3);
    const cut = [json.slice(0, third) + tag + json.slice(third, 2 * third), json.slice(2 * third)];
    return [begin, ...cut, end].map((l) => tag + l);
  };
  const [r0, r1] = [pieces(0, artifacts[0]), pieces(1, artifacts[1])];
  const mixed = r0.flatMap((l, i) => [l, r1[i]]).join("\n");
  assert.deepEqual(artifactsInText(mixed, "mpirun.log"), [artifacts[0], artifacts[1]]);
});
