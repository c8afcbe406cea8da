import assert from "node:assert/strict";
import { defaultConfig, type RunConfig } from "./config.ts";
import { RunError } from "../errors.ts";
import { fitOpenFiles, readOpenFiles, RESERVED_FILES } from "./open_files.ts";

const FILES = { limit: 1024, open: 20 };
const BUDGET = 1024 - 20 - RESERVED_FILES;

function fit(config: Partial<RunConfig>): { config: RunConfig; warnings: string[] } {
  const warnings: string[] = [];
  const out = fitOpenFiles({ ...defaultConfig(), ...config }, FILES, (m) => warnings.push(m));
  return { config: out, warnings };
}

Deno.test("closed loop: a sweep that fits is untouched, one past the budget is refused", () => {
  const fits = fit({ concurrency: { start: 1, end: BUDGET, step: 1 } });
  assert.deepEqual(fits.config.concurrency, { start: 1, end: BUDGET, step: 1 });
  assert.deepEqual(fits.warnings, []);
  assert.throws(
    () => fit({ concurrency: { start: 1100, end: 1100, step: 1 } }),
    new RunError(
      "concurrency 1100 needs 1100 connections, more than the open-file limit allows: the " +
        "limit is 1024 with 20 files open; raise it to at least 1152 (ulimit -Hn and -n) or " +
        "lower --concurrency-range",
    ),
  );
});

Deno.test("open loop: an in-flight cap past the budget is lowered with a warning", () => {
  const rate = { loadMode: "request_rate" as const, async: true, maxInflight: 100_000 };
  const { config, warnings } = fit(rate);
  assert.equal(config.maxInflight, BUDGET);
  assert.deepEqual(warnings, [
    `WARNING: --max-inflight 100000 lowered to ${BUDGET}: the open-file limit is 1024 with 20 ` +
    "files open (requests over the cap wait for a free connection, and their latency counts " +
    "the wait)",
  ]);
  const sync = fit({ loadMode: "request_rate", async: false, maxThreads: 5000 });
  assert.equal(sync.config.maxThreads, BUDGET);
  assert.match(sync.warnings[0], /^WARNING: --max-threads 5000 lowered to /);
  assert.deepEqual(fit({ ...rate, maxInflight: BUDGET }).warnings, []);
});

Deno.test("readOpenFiles reads this process's limit and open files from /proc", () => {
  const files = readOpenFiles();
  assert.ok(files !== undefined);
  const own = Deno.readTextFileSync("/proc/self/limits").match(/^Max open files\s+(\d+)/m);
  assert.equal(files.limit, Number(own![1]));
  assert.ok(files.open >= 3 && files.open < files.limit, `${files.open}`);
});
