/**
 * The tensor-size rows: the real CLI sending identity_fp32 requests of 16 B, 64 KiB and 1 MiB
 * (the same bytes come back) to the reference server over HTTP and over gRPC unary, closed loop.
 * Per row: infer/s from the CLI's report (the best of --repeat runs, the machine being shared),
 * and the CPU per request of our client (the CLI process from /proc, less what a run of the
 * same command with one request per connection costs, i.e. start-up) and of the server (its process, from /proc,
 * over the run). The server runs in its own process, started once for every row.
 *
 *   deno run -A scripts/bench_tensor.ts [--concurrency 1] [--requests-1mib 400] [--repeat 3]
 *
 * A measurement, not a test: it exits 1 only when a run fails.
 */
import { parseArgs } from "node:util";
import { startServerProcess } from "./bench_server.ts";
import { runCliWith } from "./bench_soak.ts";
import { procCpuSeconds } from "./bench_proc.ts";

/** identity_fp32 element counts for 16 B, 64 KiB and 1 MiB, and each size's request count. */
const SIZES = [
  { label: "16 B", elements: 4, weight: 8 },
  { label: "64 KiB", elements: 16_384, weight: 4 },
  { label: "1 MiB", elements: 262_144, weight: 1 },
];

export interface TensorRow {
  size: string;
  protocol: "http" | "grpc";
  requests: number;
  inferPerSec: number;
  /** CLI process CPU (user + system) per request, start-up left out. */
  clientCpuUsPerRequest: number;
  serverCpuUsPerRequest: number;
}

/** One CLI run's report, CPU seconds, and the server's CPU seconds meanwhile. */
async function measured(serverPid: number, args: string[], requests: number) {
  const server0 = await procCpuSeconds(serverPid);
  const cli = await runCliWith([...args, "--request-count", String(requests)]);
  const serverCpuS = await procCpuSeconds(serverPid) - server0;
  if (cli.exitCode !== 0 || cli.report === undefined) {
    throw new Error(`${cli.command} failed (${cli.exitCode}):\n${cli.stderrTail}`);
  }
  return { throughput: cli.report.throughput, cpuS: cli.trace.cpuS, serverCpuS };
}

export async function tensorRows(concurrency: number, requests1Mib: number, repeat: number) {
  const server = await startServerProcess(["--grpc-port", "0"]);
  const rows: TensorRow[] = [];
  try {
    for (const size of SIZES) {
      const requests = requests1Mib * size.weight;
      const runs = { http: [] as TensorRow[], grpc: [] as TensorRow[] };
      // HTTP and gRPC alternate, so a busy spell on the machine does not favour one of them.
      for (let i = 0; i < repeat; i++) {
        for (const protocol of ["http", "grpc"] as const) {
          const args = [
            ...["-m", "identity_fp32", "--shape", `INPUT0:${size.elements}`, "-i", protocol],
            ...["-u", protocol === "http" ? server.url : server.grpcUrl!],
            ...["--concurrency-range", String(concurrency)],
          ];
          const startUp = await measured(server.child.pid, args, concurrency);
          const run = await measured(server.child.pid, args, requests);
          runs[protocol].push({
            size: size.label,
            protocol,
            requests,
            inferPerSec: run.throughput,
            clientCpuUsPerRequest: ((run.cpuS - startUp.cpuS) * 1e6) / (requests - concurrency),
            serverCpuUsPerRequest: (run.serverCpuS * 1e6) / requests,
          });
        }
      }
      for (const r of [runs.http, runs.grpc]) {
        rows.push(r.reduce((a, b) => (b.inferPerSec > a.inferPerSec ? b : a)));
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}

/** The bench's tensor-size section (scripts/bench.ts); a failed run ends the bench. */
export async function runTensorSection(requests1Mib: number, log: (line: string) => void) {
  log(`tensor sizes: identity_fp32 16 B, 64 KiB and 1 MiB over HTTP and gRPC`);
  return { rows: await tensorRows(1, requests1Mib, 3), problems: [] as string[] };
}

export function tensorLines(rows: TensorRow[]): string[] {
  const lines = ["size     protocol  infer/s  client µs/req  server µs/req  gRPC/HTTP"];
  for (const r of rows) {
    const http = rows.find((h) => h.size === r.size && h.protocol === "http")!;
    const ratio = r.protocol === "grpc" ? (r.inferPerSec / http.inferPerSec).toFixed(2) : "";
    lines.push(
      `${r.size.padEnd(8)} ${r.protocol.padEnd(9)} ${r.inferPerSec.toFixed(0).padStart(7)}  ` +
        `${r.clientCpuUsPerRequest.toFixed(0).padStart(13)}  ` +
        `${r.serverCpuUsPerRequest.toFixed(0).padStart(13)}  ${ratio}`,
    );
  }
  return lines;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      concurrency: { type: "string" },
      "requests-1mib": { type: "string" },
      repeat: { type: "string" },
    },
  });
  const rows = await tensorRows(
    Number(values.concurrency ?? 1),
    Number(values["requests-1mib"] ?? 400),
    Number(values.repeat ?? 3),
  );
  console.log(tensorLines(rows).join("\n"));
  console.log(JSON.stringify(rows));
}
