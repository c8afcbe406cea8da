import assert from "node:assert/strict";
import { isRunError } from "../errors.ts";
import { parseCommandLine } from "../cli/command_line.ts";
import { TEST_KINDS } from "../testing/kinds.ts";
import { DistributedWorker } from "./worker.ts";
import { STDOUT } from "../report/files.ts";

function worker(index: number, args: string[], count = 3): DistributedWorker {
  const r = parseCommandLine([
    "-m",
    "simple",
    "--worker-index",
    `${index}`,
    "--worker-count",
    `${count}`,
    "--start-at",
    "1",
    "--dist-out",
    "out/",
    ...args,
  ], TEST_KINDS);
  assert.ok(r.action === "run");
  return DistributedWorker.of(r.config, () => undefined);
}

function config(args: string[]) {
  const r = parseCommandLine(["-m", "simple", ...args], TEST_KINDS);
  assert.ok(r.action === "run");
  return r.config;
}

const DIST = ["--worker-index", "0", "--worker-count", "3", "--start-at", "1", "--dist-out", "d"];

Deno.test("worker shares: counts and sequence ids add up over the workers", () => {
  const args = [
    "--concurrency-range",
    "4",
    "--request-count",
    "100",
    "--warmup-request-count",
    "10",
    "--sequence-id-range",
    "1:1001",
  ];
  const given = config([...args, ...DIST]);
  const workers = [0, 1, 2].map((i) => worker(i, args));
  const shared = workers.map((w) => w.shareConfig(given));
  assert.deepEqual(shared.map((c) => c.requestCount), [34, 33, 33]);
  assert.deepEqual(shared.map((c) => c.warmupRequestCount), [4, 3, 3]);
  assert.deepEqual(shared.map((c) => [c.sequenceIdStart, c.sequenceIdEnd]), [
    [1, 335],
    [335, 668],
    [668, 1001],
  ]);
  assert.deepEqual(workers.map((w) => w.statsWorker), [true, false, false]);
  assert.equal(workers[1].path, "out/worker-1.json");
  assert.equal(workers[1].name, "worker 1/3 (segment 1/3:2/3)");
});

Deno.test("worker shares: every level of a sweep, each worker's concurrency of it", () => {
  const args = ["--concurrency-range", "4:10:3"];
  const workers = [0, 1, 2].map((i) => worker(i, args));
  assert.deepEqual(DistributedWorker.levels(config([...args, ...DIST]).concurrency), [4, 7, 10]);
  assert.deepEqual(workers.map((w) => [4, 7, 10].map((c) => w.levelValue(c))), [
    [2, 3, 4],
    [1, 2, 3],
    [1, 2, 3],
  ]);
});

Deno.test("worker shares: a rate is striped, not divided; too few units refused by every worker", () => {
  const rate = worker(2, ["--request-rate-range", "90:150:30"]);
  assert.equal(rate.levelValue(120), 120);
  for (const i of [0, 1, 2]) {
    assert.throws(
      () => worker(i, ["--concurrency-range", "2"]),
      (e) =>
        isRunError(e) &&
        e.message.startsWith("Concurrency 2 over 3 workers leaves worker 2/3 (segment 2/3:1)"),
    );
  }
  assert.throws(
    () => worker(0, ["--concurrency-range", "3", "--request-count", "2"]),
    /--request-count 2/,
  );
  assert.equal(worker(0, ["--concurrency-range", "3", "--dist-out", "-"]).path, STDOUT);
});
