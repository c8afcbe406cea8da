/**
 * The tensor-size rows: the real CLI sending identity_fp32 requests of 16 B, 64 KiB, 1 MiB and
 * 16 MiB (the same bytes come back) to the reference server over HTTP, gRPC unary and gRPC
 * streaming (`-i grpc --streaming`: one ModelStreamInfer stream per concurrency slot), closed
 * loop. Per row: infer/s from the CLI's report (the best of --repeat runs, the machine being
 * shared), its rate as a share of HTTP's at the same size, and the CPU per request of our client
 * (the CLI process from /proc, less what a run of the same command with one request per
 * connection costs, i.e. start-up) and of the server (its process, from /proc, over the run).
 * The server runs in its own process, started once for every row. The targets check the 1 MiB
 * rows: gRPC, unary and streaming, at least 0.8× our HTTP rate on the same server.
 *
 *   deno run -A scripts/bench_tensor.ts [--concurrency 1] [--requests-1mib 400] [--repeat 3]
 *
 * A measurement, not a test: it exits 1 only when a run fails.
 */
import { parseArgs } from "node:util";
import { startServerProcess } from "./bench_server.ts";
import { runCliWith } from "./bench_soak.ts";
import { procCpuSeconds } from "./bench_proc.ts";
import { round, type Target, targetLine } from "./bench_report.ts";
import { alignColumns } from "./bench_table.ts";

/**
 * identity_fp32 element counts per size, and each size's request count as a multiple of the
 * 1 MiB rows' (400 in a full bench, so 40 at 16 MiB: about 2 s a run at the 15-30 infer/s a
 * 16 MiB round trip allows here).
 */
const SIZES = [
  { label: "16 B", elements: 4, weight: 8 },
  { label: "64 KiB", elements: 16_384, weight: 4 },
  { label: "1 MiB", elements: 262_144, weight: 1 },
  { label: "16 MiB", elements: 4_194_304, weight: 0.1 },
];

const PROTOCOLS = ["http", "grpc", "grpc-streaming"] as const;
export type TensorProtocol = typeof PROTOCOLS[number];

/** The bar for large tensors: gRPC at least this share of HTTP's rate at 1 MiB. */
export const TARGET_GRPC_SHARE = 0.8;
const TARGET_SIZE = "1 MiB";

export interface TensorRow {
  size: string;
  protocol: TensorProtocol;
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

/** The CLI's transport flags for `protocol` against the server's HTTP or gRPC address. */
function protocolArgs(protocol: TensorProtocol, httpUrl: string, grpcUrl: string): string[] {
  if (protocol === "http") return ["-i", "http", "-u", httpUrl];
  return ["-i", "grpc", "-u", grpcUrl, ...(protocol === "grpc-streaming" ? ["--streaming"] : [])];
}

export interface TensorSection {
  concurrency: number;
  /** Runs per row; a row is its best. */
  repeat: number;
  rows: TensorRow[];
  targets: Target[];
}

export async function tensorRows(concurrency: number, requests1Mib: number, repeat: number) {
  const server = await startServerProcess(["--grpc-port", "0"]);
  const rows: TensorRow[] = [];
  try {
    for (const size of SIZES) {
      const requests = Math.max(Math.round(requests1Mib * size.weight), concurrency + 1);
      const runs = new Map<TensorProtocol, TensorRow[]>(PROTOCOLS.map((p) => [p, []]));
      // The protocols alternate, so a busy spell on the machine does not favour one of them.
      for (let i = 0; i < repeat; i++) {
        for (const protocol of PROTOCOLS) {
          const args = [
            ...["-m", "identity_fp32", "--shape", `INPUT0:${size.elements}`],
            ...protocolArgs(protocol, server.url, server.grpcUrl!),
            ...["--concurrency-range", String(concurrency)],
          ];
          const startUp = await measured(server.child.pid, args, concurrency);
          const run = await measured(server.child.pid, args, requests);
          runs.get(protocol)!.push({
            size: size.label,
            protocol,
            requests,
            inferPerSec: run.throughput,
            clientCpuUsPerRequest: ((run.cpuS - startUp.cpuS) * 1e6) / (requests - concurrency),
            serverCpuUsPerRequest: (run.serverCpuS * 1e6) / requests,
          });
        }
      }
      for (const r of runs.values()) {
        rows.push(r.reduce((a, b) => (b.inferPerSec > a.inferPerSec ? b : a)));
      }
    }
  } finally {
    await server.stop();
  }
  return rows;
}

/** A row's rate as a share of HTTP's at the same size (NaN when there is no HTTP row). */
function shareOfHttp(rows: TensorRow[], r: TensorRow): number {
  const http = rows.find((h) => h.size === r.size && h.protocol === "http");
  return http === undefined ? NaN : r.inferPerSec / http.inferPerSec;
}

/** gRPC unary and streaming at 1 MiB against TARGET_GRPC_SHARE of HTTP's rate. */
export function tensorTargets(rows: TensorRow[]): Target[] {
  return rows
    .filter((r) => r.size === TARGET_SIZE && r.protocol !== "http")
    .map((r) => {
      const share = shareOfHttp(rows, r);
      return {
        name: `${r.protocol} ${r.size} infer/s, share of our HTTP's on the same server`,
        requirement: `>= ${TARGET_GRPC_SHARE}×`,
        value: round(share, 2),
        unit: "×",
        pass: share >= TARGET_GRPC_SHARE,
      };
    });
}

export function tensorSection(
  concurrency: number,
  repeat: number,
  rows: TensorRow[],
): TensorSection {
  return { concurrency, repeat, rows, targets: tensorTargets(rows) };
}

/** The bench's tensor-size section (scripts/bench.ts); a failed run ends the bench. */
export async function runTensorSection(requests1Mib: number, log: (line: string) => void) {
  const concurrency = 1;
  const repeat = 3;
  log(
    `tensor sizes: identity_fp32 ${SIZES.map((s) => s.label).join(", ")} over ` +
      `${PROTOCOLS.join(", ")}`,
  );
  const rows = await tensorRows(concurrency, requests1Mib, repeat);
  return { ...tensorSection(concurrency, repeat, rows), problems: [] as string[] };
}

export function tensorLines({ concurrency, repeat, rows, targets }: TensorSection): string[] {
  const cells = [[
    "size",
    "protocol",
    "requests",
    "infer/s",
    "× HTTP",
    "client µs/req",
    "server µs/req",
  ]];
  for (const r of rows) {
    cells.push([
      r.size,
      r.protocol,
      String(r.requests),
      r.inferPerSec.toFixed(0),
      r.protocol === "http" ? "" : shareOfHttp(rows, r).toFixed(2),
      r.clientCpuUsPerRequest.toFixed(0),
      r.serverCpuUsPerRequest.toFixed(0),
    ]);
  }
  return [
    `Tensor sizes (identity_fp32 on the reference server, closed loop at concurrency ` +
    `${concurrency}, each row the best of ${repeat} runs; × HTTP: infer/s as a share of HTTP's at that size):`,
    ...alignColumns(cells, 2),
    ...targets.map(targetLine),
  ];
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
  const concurrency = Number(values.concurrency ?? 1);
  const repeat = Number(values.repeat ?? 3);
  const rows = await tensorRows(concurrency, Number(values["requests-1mib"] ?? 400), repeat);
  const section = tensorSection(concurrency, repeat, rows);
  console.log(tensorLines(section).join("\n"));
  console.log(JSON.stringify(section));
}
