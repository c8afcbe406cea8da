/**
 * The bench's C API rows (issue 7): the real CLI with --service-kind triton_c_api on the C test
 * double (scripts/build_fake_tritonserver.sh, zero compute, in-process) against the same CLI
 * over HTTP on the reference server (a child process, zero compute), sync at concurrency 1 and
 * async at concurrency 8. It shows what removing the network and the server process buys; the
 * double does no inference, so the C API figures are the client's ceiling, not Triton's.
 */
import { capiTarget } from "../backends/triton_c_api/testing/fake_lib.ts";
import { startServerProcess } from "./bench_server.ts";
import { type CliResult, runCliWith } from "./bench_soak.ts";
import { alignColumns } from "./bench_table.ts";

export const CAPI_TITLE =
  "C API vs HTTP (the CLI; C API on the C double in-process, HTTP on the reference server):";

export interface CapiPlan {
  /** Seconds per measured run (its request count is sized from a short first run). */
  seconds: number;
}

export interface CapiRow {
  target: "c_api" | "http";
  mode: "sync" | "async";
  concurrency: number;
  requests: number;
  inferPerS: number;
  /** utime + stime of the CLI process over its whole life / requests. */
  cliCpuUsPerRequest: number;
  command: string;
}

export interface CapiSection {
  date: string;
  plan: CapiPlan;
  method: string;
  rows: CapiRow[];
  problems: string[];
}

const METHOD = "scripts/bench_capi.ts: per row the real CLI (deno task pa flags), model simple, " +
  "--concurrency-range N (--async for the async rows); a sizing run of 20000 requests gives " +
  "the rate, then one --request-count run of rate × seconds requests is the row; infer/s is " +
  "that run's reported throughput; CLI CPU = the process's utime+stime from /proc over its " +
  "life / requests (start-up included). C API: --service-kind triton_c_api on the C double " +
  "built by scripts/build_fake_tritonserver.sh; HTTP: -u on a reference server child process.";

const SIZING_REQUESTS = 20000;
const SHAPES = [{ mode: "sync", concurrency: 1 }, { mode: "async", concurrency: 8 }] as const;

function failure(label: string, run: CliResult): string {
  return `${label}: exit ${run.exitCode}\n${run.stderrTail}`;
}

/**
 * A sizing run of `sizing` requests gives the rate; the measured run then sends rate × seconds
 * requests (at least `sizing`), so every row lasts about as long whatever its speed.
 */
export async function measure(
  label: string,
  base: string[],
  seconds: number,
  sizing = SIZING_REQUESTS,
): Promise<{ run?: CliResult; problem?: string }> {
  const first = await runCliWith([...base, "--request-count", String(sizing)]);
  if (first.exitCode !== 0 || !first.report) return { problem: failure(label, first) };
  const count = Math.max(sizing, Math.round(first.report.throughput * seconds));
  const run = await runCliWith([...base, "--request-count", String(count)]);
  if (run.exitCode !== 0 || !run.report) return { problem: failure(label, run) };
  return { run };
}

export async function runCapiSection(
  plan: CapiPlan,
  log: (line: string) => void,
): Promise<CapiSection> {
  const target = await capiTarget();
  const capiArgs = [
    "--service-kind",
    "triton_c_api",
    "--triton-server-directory",
    target.dir,
    "--model-repository",
    target.repo,
  ];
  const server = await startServerProcess();
  const rows: CapiRow[] = [];
  const problems: string[] = [];
  try {
    for (const shape of SHAPES) {
      for (const kind of ["c_api", "http"] as const) {
        const label = `${kind} ${shape.mode} c=${shape.concurrency}`;
        log(`C API rows: ${label} ...`);
        const base = [
          "-m",
          "simple",
          ...(kind === "c_api" ? capiArgs : ["-u", server.url]),
          ...(shape.mode === "async" ? ["--async"] : []),
          "--concurrency-range",
          String(shape.concurrency),
        ];
        const { run, problem } = await measure(label, base, plan.seconds);
        if (problem) problems.push(problem);
        if (!run?.report) continue;
        rows.push({
          target: kind,
          mode: shape.mode,
          concurrency: shape.concurrency,
          requests: run.report.requestCount,
          inferPerS: run.report.throughput,
          cliCpuUsPerRequest: (run.trace.cpuS * 1e6) / run.report.requestCount,
          command: run.command,
        });
      }
    }
  } finally {
    await server.stop();
  }
  return { date: new Date().toISOString(), plan, method: METHOD, rows, problems };
}

const HEADER = ["target", "mode", "conc", "requests", "infer/s", "CLI CPU µs/req"];

export function capiLines(rows: CapiRow[]): string[] {
  const cells = [HEADER];
  for (const r of rows) {
    cells.push([
      r.target === "c_api" ? "C API" : "HTTP",
      r.mode,
      String(r.concurrency),
      String(r.requests),
      r.inferPerS.toFixed(0),
      r.cliCpuUsPerRequest.toFixed(1),
    ]);
  }
  return [CAPI_TITLE, ...alignColumns(cells, 2)];
}
