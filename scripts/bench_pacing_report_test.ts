import assert from "node:assert/strict";
import type { PacingRow } from "./bench_pacing.ts";
import {
  bestPacingRows,
  pacingLines,
  pacingProblems,
  pacingTargets,
} from "./bench_pacing_report.ts";

function row(over: Partial<PacingRow>): PacingRow {
  return {
    mode: "spin",
    async: false,
    inFlightCap: 64,
    command: "deno run -A main.ts --pacing spin",
    rateAsked: 20000,
    warmupRequests: 0,
    requests: 360000,
    throughput: 19990,
    sendRate: null,
    failed: 0,
    serviceAvgUs: 137,
    serviceP50Us: 98,
    serviceP90Us: 161,
    serviceP99Us: 1259,
    latenessP50Us: 1,
    latenessP99Us: 77,
    latenessMaxUs: 8220,
    latenessOver1msPct: 0.6,
    throughputErrorPct: -0.05,
    cpuPct: 100.4,
    mainThreadCpuPct: 99.6,
    mainThreadWaitPct: 0.3,
    wallS: 19.6,
    exitCode: 0,
    nginxCpuPct: 17,
    otherCpuPct: 69,
    newConnections: 65,
    failures: 0,
    firstError: "",
    ...over,
  };
}

Deno.test("pacingTargets judges spin on rate and p99 lateness, timer on rate only", () => {
  const targets = pacingTargets([
    row({}),
    row({ mode: "timer", latenessP99Us: 19824, throughputErrorPct: -1.2 }),
  ]);
  assert.deepEqual(
    targets.map((t) => [t.name, t.value, t.pass]),
    [
      ["pacing spin at 20000 req/s (max-threads 64): achieved throughput vs asked", -0.05, true],
      ["pacing spin at 20000 req/s (max-threads 64): p99 send lateness", 77, true],
      ["pacing timer at 20000 req/s (max-threads 64): achieved throughput vs asked", -1.2, false],
    ],
  );
  // The limits are exclusive for lateness (< 100 µs) and inclusive for the rate (±1 %).
  const edge = pacingTargets([row({ latenessP99Us: 100, throughputErrorPct: 1 })]);
  assert.deepEqual(edge.map((t) => t.pass), [true, false]);
  const async = pacingTargets([row({ async: true, inFlightCap: 1024 })]);
  assert.match(async[0].name, /\(-a, max-inflight 1024\)/);
});

Deno.test("bestPacingRows keeps the valid run with the lowest p99 lateness per mode", () => {
  const runs = [
    row({ latenessP99Us: 300 }),
    row({ mode: "timer", latenessP99Us: 20000 }),
    row({ latenessP99Us: 5, firstError: "exit 2" }),
    row({ latenessP99Us: 120 }),
    row({ mode: "timer", latenessP99Us: 15000 }),
  ];
  assert.deepEqual(
    bestPacingRows(runs).map((r) => [r.mode, r.latenessP99Us]),
    [["spin", 120], ["timer", 15000]],
  );
  // A mode whose runs all failed still shows one, so the table says what happened.
  const failed = bestPacingRows([row({ firstError: "exit 2" }), row({ firstError: "exit 3" })]);
  assert.deepEqual(failed.map((r) => r.firstError), ["exit 2"]);
});

Deno.test("pacingProblems flags failed runs and more connections than the cap allows", () => {
  assert.deepEqual(pacingProblems([row({}), row({ newConnections: 30 })]), []);
  assert.deepEqual(
    pacingProblems([
      row({ firstError: "exit 2, no open-loop report" }),
      row({ newConnections: 66 }),
    ]),
    [
      "pacing spin at 20000 req/s (max-threads 64): exit 2, no open-loop report",
      "pacing spin at 20000 req/s (max-threads 64): 66 connections for a cap of 64 (no keep-alive?)",
    ],
  );
});

Deno.test("pacingLines prints the best rows, then every run when there were repeats", () => {
  assert.deepEqual(pacingLines([], []), []);
  const best = [row({}), row({ mode: "timer", async: true, inFlightCap: 1024, sendRate: 1 })];
  const lines = pacingLines(best, best);
  assert.match(lines[0], /^Pacing \(the CLI, open loop at 20000 req\/s;/);
  const warm = pacingLines([row({ warmupRequests: 60000 })], []);
  assert.match(
    warm[0],
    /^Pacing \(the CLI, open loop at 20000 req\/s after 60000 warmup requests;/,
  );
  assert.match(lines[1], /^mode +cap +req\/s +err % +late p50 +late p99/);
  const spin = lines[2].trim().split(/\s+/);
  assert.deepEqual(
    spin,
    ["spin", "t64", "19990", "-0.05", "1", "77", "8220", "0.60"].concat(
      ["137", "98", "161", "1259", "100", "100", "0.3", "17", "69", "65"],
    ),
  );
  assert.match(lines[3], /^timer +a1024 /);
  assert.equal(lines.length, 5);
  assert.match(lines[4], /^ {2}command \(spin\): deno run/);
  const repeated = pacingLines([best[0]], [best[0], row({ latenessP99Us: 900 })]);
  assert.equal(repeated[3], "  every run:");
  assert.equal(repeated.length, 8);
});
