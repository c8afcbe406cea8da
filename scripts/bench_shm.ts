/**
 * The bench's shared-memory rows (issue 7): the real CLI sending a 1 MiB FP32 tensor to the
 * reference server's identity_fp32 model (a child process, zero compute), inline (binary body
 * or raw_input_contents) against --shared-memory system, over HTTP and gRPC, sync at
 * concurrency 1. The server reads the input from and writes the output into the region files
 * with positioned reads and writes (Deno has no mmap), so its cost is in these numbers too.
 */
import { measure } from "./bench_capi.ts";
import { startServerProcess } from "./bench_server.ts";
import { alignColumns } from "./bench_table.ts";

export const SHM_TITLE =
  "Shared memory vs inline, 1 MiB FP32 in and out (the CLI on the reference server):";

/** 262144 FP32 elements = 1 MiB each way. */
const ELEMENTS = 262144;
const TENSOR_BYTES = ELEMENTS * 4;
const SIZING_REQUESTS = 300;

export interface ShmPlan {
  /** Seconds per measured run. */
  seconds: number;
}

export interface ShmRow {
  protocol: "http" | "grpc";
  transfer: "inline" | "shm";
  requests: number;
  inferPerS: number;
  /** utime + stime of the CLI process over its whole life / requests. */
  cliCpuUsPerRequest: number;
  command: string;
}

export interface ShmSection {
  date: string;
  plan: ShmPlan;
  method: string;
  rows: ShmRow[];
  problems: string[];
}

const METHOD = "scripts/bench_shm.ts: per row the real CLI (deno task pa flags), model " +
  `identity_fp32 --shape INPUT0:${ELEMENTS} (1 MiB), sync, concurrency 1, against a reference ` +
  "server child process (zero compute); shm rows add --shared-memory system " +
  `--output-shared-memory-size ${TENSOR_BYTES}. A sizing run of ${SIZING_REQUESTS} requests ` +
  "gives the rate, then one --request-count run of rate × seconds requests is the row; CLI CPU " +
  "= the process's utime+stime from /proc over its life / requests (start-up included).";

export async function runShmSection(
  plan: ShmPlan,
  log: (line: string) => void,
): Promise<ShmSection> {
  const server = await startServerProcess(["--grpc-port", "0"]);
  const rows: ShmRow[] = [];
  const problems: string[] = [];
  try {
    for (const protocol of ["http", "grpc"] as const) {
      for (const transfer of ["inline", "shm"] as const) {
        const label = `${protocol} ${transfer}`;
        log(`shared-memory rows: ${label} ...`);
        const base = [
          "-m",
          "identity_fp32",
          "--shape",
          `INPUT0:${ELEMENTS}`,
          ...(protocol === "grpc" ? ["-i", "grpc", "-u", server.grpcUrl!] : ["-u", server.url]),
          ...(transfer === "shm"
            ? ["--shared-memory", "system", "--output-shared-memory-size", String(TENSOR_BYTES)]
            : []),
        ];
        const { run, problem } = await measure(label, base, plan.seconds, SIZING_REQUESTS);
        if (problem) problems.push(problem);
        if (!run?.report) continue;
        rows.push({
          protocol,
          transfer,
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

const HEADER = ["protocol", "tensors", "requests", "infer/s", "CLI CPU µs/req"];

export function shmLines(rows: ShmRow[]): string[] {
  const cells = [HEADER];
  for (const r of rows) {
    cells.push([
      r.protocol === "grpc" ? "gRPC" : "HTTP",
      r.transfer === "shm" ? "shared memory" : "inline",
      String(r.requests),
      r.inferPerS.toFixed(0),
      r.cliCpuUsPerRequest.toFixed(1),
    ]);
  }
  return [SHM_TITLE, ...alignColumns(cells, 2)];
}
