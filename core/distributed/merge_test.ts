import assert from "node:assert/strict";
import { RequestRecord } from "../measure/record.ts";
import { Window } from "../measure/window.ts";
import { HISTOGRAM_SETTINGS } from "../measure/histogram.ts";
import {
  ARTIFACT_FORMAT,
  artifactsInText,
  encodeWindow,
  framedArtifact,
  type WorkerArtifact,
} from "./artifact.ts";
import { checkCoverage, mergeLevels, type MergeSettings } from "./merge.ts";
import { evenSegmentation, segmentText, sequenceText } from "./segment.ts";

const W = 1e9;
const T0 = 5e9;

/** Request j of window k: sent on a 1 ms grid, latency pseudo-random with a slow tail. */
function requestAt(rec: RequestRecord, k: number, j: number): RequestRecord {
  const sendNs = T0 + k * W + j * 1e6;
  rec.reset(sendNs);
  rec.sendStartNs = sendNs;
  rec.sendEndNs = sendNs + 100;
  const latency = 200_000 + ((j * 7919 + k * 104729) % 1_000_000) + (j % 50 === 0 ? 9e6 : 0);
  rec.addResponse(sendNs + latency);
  rec.endNs = rec.lastResponseNs;
  if (j % 97 === 0) rec.fail("server_error", "boom", rec.endNs);
  return rec;
}

/**
 * n workers' artifacts of one level, request j going to worker j mod n; and the windows one
 * machine would have recorded from all the requests.
 */
function makeRun(n: number, perWindow: number[]): { artifacts: WorkerArtifact[]; whole: Window[] } {
  const rec = new RequestRecord();
  const whole = perWindow.map(() => new Window());
  const parts = Array.from({ length: n }, () => perWindow.map(() => new Window()));
  perWindow.forEach((count, k) => {
    whole[k].begin(T0 + k * W);
    for (const p of parts) p[k].begin(T0 + k * W);
    for (let j = 0; j < count; j++) {
      whole[k].record(requestAt(rec, k, j));
      parts[j % n][k].record(requestAt(rec, k, j));
    }
    whole[k].close(T0 + (k + 1) * W, 0);
    for (const p of parts) p[k].close(T0 + (k + 1) * W, 0);
  });
  const artifacts = parts.map((windows, index): WorkerArtifact => {
    const seg = evenSegmentation(index, n);
    return {
      format: ARTIFACT_FORMAT,
      runId: "r",
      configHash: "h",
      argv: [],
      worker: {
        index,
        count: n,
        segment: segmentText(seg),
        sequence: sequenceText(seg),
        host: "h",
        engine: "flags",
        rankEnv: {},
      },
      clock: { mode: "start-at", startAtMs: 1, actualStartMs: 1, lateNs: 0 },
      histogram: HISTOGRAM_SETTINGS,
      windowNs: W,
      windowsPerLevel: perWindow.length,
      model: {
        name: "m",
        version: "1",
        platform: "p",
        inputs: [],
        outputs: [],
        maxBatchSize: 0,
        sequence: false,
        responses: "one",
        dynamicBatching: false,
        responseCache: false,
        notes: [],
      },
      serverStats: index === 0,
      levels: [{
        mode: "concurrency",
        value: 8,
        share: 8 / n,
        windows: windows.map((w, k) => encodeWindow(w, k, T0)),
      }],
    };
  });
  for (const p of parts) for (const w of p) w.destroy();
  return { artifacts: JSON.parse(JSON.stringify(artifacts)), whole };
}

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
});
