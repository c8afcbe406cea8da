/**
 * --enable-mpi's level rule without MPI: the other ranks are a scripted allreduce, the requests a
 * simulated 1 ms backend on a fake clock (as core/measure/level_fake_clock_test.ts), so which
 * window ends the level is exact.
 */
import assert from "node:assert/strict";
import { Dispatcher } from "../../load/dispatcher.ts";
import { LevelMeasurer, type MeasureSettings } from "../../measure/level.ts";
import { FakeBackend } from "../../testing/fake_backend.ts";
import { FakeClock } from "../../testing/fake_clock.ts";
import { roundRobin } from "../../data/request_source.ts";
import { mergeOnRankZero, mpirunRank, rankGroup } from "./ranks.ts";
import { DistributedWorker } from "../worker.ts";
import { parseCommandLine } from "../../cli/command_line.ts";
import { TEST_KINDS } from "../../testing/kinds.ts";

const MUST_STOP = 0;
const GOING_ON = 1;
const STABLE = 2;

/** The other ranks: their votes window by window (the last one repeats); records ours. */
function otherRanks(theirs: number[]) {
  const ours: number[] = [];
  let barriers = 0;
  const world = {
    rank: 0,
    barrier: () => Promise.resolve(void barriers++),
    allReduce: (vote: number, op: "min" | "max") => {
      assert.equal(op, "min");
      ours.push(vote);
      return Promise.resolve(Math.min(vote, theirs[Math.min(ours.length, theirs.length) - 1]));
    },
  };
  return { group: rankGroup(world), ours, barriers: () => barriers };
}

const settings: MeasureSettings = {
  mode: "concurrency",
  batchSize: 1,
  percentile: -1,
  // Any three windows agree: this rank alone would stop after exactly three.
  rule: { threshold: 1000, latencyLimitNs: 0 },
  maxTrials: 10,
  windowMs: 100,
  windowRequests: 0,
  requestCount: 0,
  async: false,
};

async function measureWith(theirs: number[], overrides: Partial<MeasureSettings> = {}) {
  const clock = new FakeClock();
  const ranks = otherRanks(theirs);
  const measurer = new LevelMeasurer({ ...settings, ...overrides }, {
    clock,
    cpuUs: () => 0,
    signal: new AbortController().signal,
    warn: () => {},
    ranks: ranks.group,
  });
  const dispatcher = new Dispatcher(new FakeBackend(1, clock), roundRobin(["r"]), clock, measurer);
  const level = await measurer.measure(1, dispatcher);
  measurer.pause();
  await dispatcher.stop();
  measurer.destroy();
  return { level, ours: ranks.ours };
}

Deno.test("a stable rank keeps measuring until every rank is stable", async () => {
  const { level, ours } = await measureWith([GOING_ON, GOING_ON, GOING_ON, GOING_ON, STABLE]);
  assert.equal(level.passes.length, 5);
  assert.equal(level.status, "stable");
  // The report is the last three windows, as for one process.
  assert.equal(level.reportedPasses, 3);
  assert.equal(level.client.requestCount, 3 * 120);
  // One vote per window, in lockstep with the others; stable from the third.
  assert.deepEqual(ours, [GOING_ON, GOING_ON, STABLE, STABLE, STABLE]);
});

Deno.test("a rank that must stop ends the level for all; an unsettled rank is unstable", async () => {
  const { level, ours } = await measureWith([MUST_STOP]);
  assert.equal(level.passes.length, 1);
  assert.equal(level.status, "unstable");
  assert.deepEqual(ours, [GOING_ON]);
});

Deno.test("this rank's last window makes it vote stop, whatever the others say", async () => {
  const { level, ours } = await measureWith([GOING_ON], { maxTrials: 2 });
  assert.equal(level.passes.length, 2);
  assert.deepEqual(ours, [GOING_ON, MUST_STOP]);
  // A latency limit hit on this rank is a stop too (1 ms requests, 0.5 ms limit).
  const over = await measureWith([GOING_ON], { rule: { threshold: 1000, latencyLimitNs: 5e5 } });
  assert.equal(over.level.passes.length, 1);
  assert.equal(over.level.status, "over_threshold");
  assert.deepEqual(over.ours, [MUST_STOP]);
});

Deno.test("rankGroup: the barrier is the world's, levelDone is the minimum of the votes", async () => {
  const ranks = otherRanks([STABLE]);
  await ranks.group.barrier();
  assert.equal(ranks.barriers(), 1);
  assert.equal(await ranks.group.levelDone(true, false), true);
  assert.equal(await ranks.group.levelDone(false, false), false);
  assert.equal(await ranks.group.levelDone(true, true), true);
  assert.deepEqual(ranks.ours, [STABLE, GOING_ON, MUST_STOP]);
});

Deno.test("mpirun's rank variables", () => {
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.deepEqual(
    mpirunRank(env({ OMPI_COMM_WORLD_RANK: "3", OMPI_COMM_WORLD_SIZE: "4" })),
    { rank: 3, size: 4 },
  );
  assert.equal(mpirunRank(env({ OMPI_COMM_WORLD_SIZE: "4" })), undefined);
  assert.equal(mpirunRank(env({})), undefined);
});

Deno.test("gridStart: the grid starts 50 ms after the barrier, named by the latest clock", async () => {
  const clock = new FakeClock();
  await clock.sleep(1000); // this rank has run for a second when it reaches the barrier
  const calls: string[] = [];
  const world = {
    rank: 2,
    barrier: () => Promise.resolve(void calls.push("barrier")),
    allReduce: (v: number, op: "min" | "max") => {
      calls.push(`${op} ${v}`);
      // Another rank's wall clock is 7 ms ahead of this one's.
      return Promise.resolve(Math.max(v, v + 7));
    },
  };
  const facts = await rankGroup(world, () => 1_796_000_000_000).gridStart(clock);
  assert.deepEqual(calls, ["barrier", "max 1796000000000"]);
  // On this rank's monotonic clock, whatever the wall clocks say; it slept until then.
  assert.equal(facts.t0Ns, 1050e6);
  assert.equal(clock.nowNs(), 1050e6);
  assert.deepEqual(facts, {
    mode: "mpi-barrier",
    startAtMs: 1_796_000_000_057,
    actualStartMs: 1_796_000_000_050,
    lateNs: 0,
    t0Ns: 1050e6,
  });
});

Deno.test("mergeOnRankZero: after the last barrier, rank 0 alone merges, if it ran well", async () => {
  const at = (rank: number) => {
    const log: string[] = [];
    const ranks = {
      ...rankGroup({ rank, barrier: () => Promise.resolve(), allReduce: () => Promise.resolve(0) }),
      barrier: () => Promise.resolve(void log.push("barrier")),
    };
    const merge = () => Promise.resolve(void log.push("merge")).then(() => 2);
    return { ranks, merge, log };
  };
  const zero = at(0);
  assert.equal(await mergeOnRankZero(zero.ranks, 0, zero.merge), 2);
  assert.deepEqual(zero.log, ["barrier", "merge"]);
  const one = at(1);
  assert.equal(await mergeOnRankZero(one.ranks, 0, one.merge), 0);
  assert.deepEqual(one.log, ["barrier"]);
  // A rank 0 that failed its own share reports that, not a merge of the others.
  const failed = at(0);
  assert.equal(await mergeOnRankZero(failed.ranks, 130, failed.merge), 130);
  assert.deepEqual(failed.log, ["barrier"]);
});

Deno.test("a distributed worker needs --start-at, except as a rank of mpirun", () => {
  const parsed = parseCommandLine(
    ["-m", "s", "--concurrency-range", "4", "--dist-out", "d"],
    TEST_KINDS,
  );
  assert.ok(parsed.action === "run");
  const env = (vars: Record<string, string>) => (n: string) => vars[n];
  assert.throws(
    () => DistributedWorker.of(parsed.config, env({ SLURM_PROCID: "0", SLURM_NTASKS: "2" })),
    /a distributed run needs --start-at <epoch ms>.*\(or mpirun/,
  );
  const rank = DistributedWorker.of(
    parsed.config,
    env({ OMPI_COMM_WORLD_RANK: "1", OMPI_COMM_WORLD_SIZE: "2" }),
  );
  assert.equal(rank.index, 1);
  assert.equal(rank.identity.engine, "mpi");
});
