/**
 * End-to-end: --report-json and --report-html against the reference server. The summary must
 * say what the console said, level by level, and `compare` must read it back.
 */
import assert from "node:assert/strict";
import {
  ANY_THREE_WINDOWS,
  numberAfter,
  runCli,
  serverBreakdown,
  withServer,
} from "./cli_harness.ts";
import { parseRunSummary } from "../core/report/json_parse.ts";
import { chart } from "../core/testing/svg_read.ts";

Deno.test("closed loop: JSON and HTML written, numbers equal the console report", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const json = `${dir}/run.json`;
    const html = `${dir}/run.html`;
    await withServer({ computeUs: 200 }, async (server) => {
      const r = await runCli([
        ...["-m", "simple", "-u", server.url, "--concurrency-range", "1:2", "-p", "300"],
        ...[...ANY_THREE_WINDOWS, "--report-json", json, "--report-html", html],
      ]);
      assert.equal(r.code, 0, r.stderr);
      const s = parseRunSummary(await Deno.readTextFile(json), json);
      assert.deepEqual(s.levels.map((l) => [l.mode, l.value]), [
        ["concurrency", 1],
        ["concurrency", 2],
      ]);
      assert.equal(s.settings.url, server.url);
      assert.equal(s.settings.serverStats, true);
      for (const l of s.levels) {
        const at = r.stdout.indexOf(`Request concurrency: ${l.value}\n`);
        assert.equal(l.requestCount, numberAfter(r.stdout, "    Request count: ", at));
        const tput = numberAfter(r.stdout, "    Throughput: ", at);
        assert.ok(Math.abs(l.throughput - tput) / tput < 1e-5, `${l.throughput} vs ${tput}`);
        for (const p of [50, 90, 95, 99]) {
          const printed = numberAfter(r.stdout, `    p${p} latency: `, at);
          assert.equal(Math.trunc(l.latencyUs[`p${p}`]!), printed, `p${p}`);
        }
        const b = serverBreakdown(r.stdout, at);
        assert.equal(Math.trunc(l.server!.avgUs.queue), b["queue"]);
        assert.equal(Math.trunc(l.server!.avgUs.computeInfer), b["compute infer"]);
        assert.equal(Math.trunc(l.server!.avgUs.request), b["Avg request latency"]);
      }
      const page = await Deno.readTextFile(html);
      const lt = chart(page, "latency-throughput")!;
      assert.deepEqual(lt.series.map((x) => [x.id, x.marks.length]), [
        ["avg", 2],
        ["p50", 2],
        ["p90", 2],
        ["p99", 2],
      ]);
      assert.equal(chart(page, "server-breakdown")!.series[2].marks.length, 2);
      // The file compares with itself through the real entry point: no change, exit 0.
      const same = await runCli(["compare", json, json]);
      assert.equal(same.code, 0, same.stderr);
      assert.match(same.stdout, /^concurrency 2 +infer\/sec \* .* \+0\.0%$/m);
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("open loop: send lateness in the summary matches the console line", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const json = `${dir}/rate.json`;
    await withServer({}, async (server) => {
      const r = await runCli([
        ...["-m", "simple", "-u", server.url, "--request-rate-range", "300"],
        ...["--request-count", "150", "--report-json", json],
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [l] = parseRunSummary(await Deno.readTextFile(json), json).levels;
      assert.equal(l.mode, "request_rate");
      assert.equal(l.requestCount, 150);
      const line = r.stdout.match(
        /Send lateness \(actual - intended send\): p50 (\d+) usec, p99 (\d+) usec, max (\d+)/,
      );
      assert.ok(line, r.stdout);
      const lateness = l.openLoop!.latenessUs;
      assert.deepEqual(
        [lateness.p50, lateness.p99, lateness.max].map(Math.trunc),
        line.slice(1, 4).map(Number),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an empty --report-json or --report-html value is a usage error", async () => {
  for (const flag of ["--report-json", "--report-html"]) {
    const r = await runCli(["-m", "simple", flag, ""]);
    assert.equal(r.code, 99);
    assert.match(r.stderr, new RegExp(`Failed to parse ${flag}\\. The value must not be empty`));
  }
});
