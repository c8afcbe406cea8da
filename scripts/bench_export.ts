/**
 * Memory soak of --profile-export-file: the real CLI (as bench_soak.ts launches it) against
 * the reference server in its own process, one --request-count window at full rate, once
 * without the export and once with it, RSS sampled from /proc each second. The export streams
 * every request to disk, so its RSS must stay as flat as the run without it.
 *
 *   deno run -A scripts/bench_export.ts [--seconds 60] [--connections 8] [--only-export]
 */
import { parseArgs } from "node:util";
import { startServerProcess } from "./bench_server.ts";
import { runCliWith, summarizeRss } from "./bench_soak.ts";

const SIZING_REQUESTS = 20000;

function args(url: string, connections: number, count: number): string[] {
  const c = String(connections);
  return ["-m", "simple", "-u", url, "--concurrency-range", c, "--request-count", String(count)];
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      seconds: { type: "string" },
      connections: { type: "string" },
      "only-export": { type: "boolean", default: false },
    },
  });
  const seconds = Number(values.seconds ?? 60);
  const connections = Number(values.connections ?? 8);
  const server = await startServerProcess();
  const dir = await Deno.makeTempDir();
  try {
    const sizing = await runCliWith(["--async", ...args(server.url, connections, SIZING_REQUESTS)]);
    const rate = sizing.report?.throughput ?? 0;
    if (rate <= 0) throw new Error(`sizing run failed:\n${sizing.stderrTail}`);
    const count = Math.round(rate * seconds);
    console.log(`sizing: ${rate.toFixed(0)} infer/s → ${count} requests for ~${seconds} s`);
    for (const exportOn of values["only-export"] ? [true] : [false, true]) {
      const file = `${dir}/export.json`;
      const extra = exportOn ? ["--profile-export-file", file] : [];
      const run = await runCliWith(["--async", ...args(server.url, connections, count), ...extra]);
      const rss = summarizeRss(run.trace.rssSeriesMb, run.trace.hwmMb);
      const size = exportOn ? (await Deno.stat(file)).size : 0;
      console.log(
        `${exportOn ? "export on " : "export off"}: exit ${run.exitCode}, ` +
          `${run.report?.requestCount} requests at ${run.report?.throughput.toFixed(0)} infer/s ` +
          `in ${run.wallS.toFixed(1)} s; RSS start ${rss.startMb.toFixed(1)} MB, ` +
          `25% ${rss.at25Mb.toFixed(1)}, end ${rss.endMb.toFixed(1)}, peak ${
            rss.peakMb.toFixed(1)
          } ` +
          `(growth after 25%: ${rss.growthMb.toFixed(1)} MB, last-quarter peak growth ` +
          `${rss.peakGrowthMb.toFixed(1)} MB)` +
          (exportOn ? `; file ${(size / 1e6).toFixed(1)} MB` : ""),
      );
      if (run.exitCode !== 0) console.log(run.stderrTail);
      if (exportOn) await Deno.remove(file);
    }
  } finally {
    await server.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) await main();
