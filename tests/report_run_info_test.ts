/**
 * End-to-end: the run summary written by a real run says what made it (command line, host, CPU,
 * commit), and the HTML report draws the run's own numbers: each level's spectrum from the same
 * histogram as its percentiles, and one point per measurement window.
 */
import assert from "node:assert/strict";
import { cpus } from "node:os";
import { ANY_THREE_WINDOWS, runCli, withServer } from "./cli_harness.ts";
import { parseRunSummary } from "../core/report/json_parse.ts";
import { commandLineText, cpuText } from "../core/report/run_info.ts";
import { buildCommit } from "../core/version.ts";
import { chart } from "../core/testing/svg_read.ts";

Deno.test("a real run's summary and page: run info, spectrum and every window", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const json = `${dir}/run.json`;
    const html = `${dir}/run.html`;
    await withServer({ computeUs: 200 }, async (server) => {
      const args = [
        ...["-m", "simple", "-u", server.url, "--concurrency-range", "1:2", "-p", "300"],
        ...[...ANY_THREE_WINDOWS, "--report-json", json, "--report-html", html],
      ];
      const r = await runCli(args);
      assert.equal(r.code, 0, r.stderr);
      const s = parseRunSummary(await Deno.readTextFile(json), json);
      assert.equal(s.settings.commandLine, commandLineText(args));
      assert.equal(s.settings.host, Deno.hostname());
      assert.equal(s.settings.cpu, cpuText(cpus()[0].model, cpus().length));
      assert.equal(s.settings.commit, buildCommit(true));
      const page = await Deno.readTextFile(html);
      assert.ok(page.includes(`<code>${commandLineText(args)}</code>`));
      const spectrum = chart(page, "latency-spectrum")!;
      assert.deepEqual(spectrum.series.map((x) => x.id), ["level-1", "level-2"]);
      for (const l of s.levels) {
        // Same histogram, same rank rule: the spectrum's p50 and p99 are the reported ones.
        const at = (p: number) => l.spectrumUs!.find((x) => x.percentile === p)!.us;
        assert.equal(at(50), l.latencyUs.p50);
        assert.equal(at(99), l.latencyUs.p99);
        assert.ok(at(0) <= at(50) && at(99) <= at(100));
        assert.equal(l.windows!.length, 3);
        assert.deepEqual(l.windows!.map((w) => w.errorCount), [0, 0, 0]);
      }
      const windows = chart(page, "window-throughput")!.series[0];
      assert.equal(windows.declaredPoints, 6);
      assert.deepEqual(
        windows.marks.map((m) => Number(m["data-y"])),
        s.levels.flatMap((l) => l.windows!.map((w) => Number(w.throughput.toPrecision(6)))),
      );
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
