/**
 * The bench's gRPC rows: the Triton gRPC backend's channels in a closed loop against the
 * reference server (a child process, zero compute), unary and streaming, at 16 and 64
 * channels, with requests sent as they are and gzip-compressed; measured by
 * scripts/bench_grpc_channel.ts. Also the printed section.
 */
import { type GrpcBenchPlan, type GrpcBenchRow, grpcBenchRows } from "./bench_grpc_channel.ts";
import { alignColumns } from "./bench_table.ts";

export const GRPC_TITLE =
  "gRPC (the Triton gRPC backend's channels against the reference server, zero compute):";

/** What results.json holds under `grpc`. */
export interface GrpcSection {
  date: string;
  plan: GrpcBenchPlan;
  method: string;
  rows: GrpcBenchRow[];
  problems: string[];
}

export function grpcPlan(quick: boolean): GrpcBenchPlan {
  return {
    seconds: quick ? 1 : 3,
    modes: ["unary", "stream"],
    channels: [16, 64],
    compressions: ["none", "gzip"],
  };
}

const METHOD = "scripts/bench_grpc_channel.ts grpcBenchRows: per row a fresh reference " +
  "server child process (deno run -A server/main.ts --grpc-port 0, compute-us at its default 0) and a " +
  "TritonGrpcBackend in this process (model simple, binary tensors, the backend's default " +
  "channels per connection, so one HTTP/2 connection), N channels each in a closed loop " +
  "(send, await, repeat); 0.5 s warmup, then one window of `seconds`; infer/s = requests / " +
  "window; client CPU = this process's main-thread CPU over the window / requests; server " +
  "CPU = the child's utime+stime from /proc/<pid>/stat over the window / requests; one run " +
  "per row. With --only-grpc only this key of an existing results.json is replaced.";

export async function runGrpcSection(
  plan: GrpcBenchPlan,
  log: (line: string) => void,
): Promise<GrpcSection> {
  log(`gRPC rows: ${plan.seconds} s each, compression ${plan.compressions.join(", ")} ...`);
  const rows = await grpcBenchRows(plan, log);
  return {
    date: new Date().toISOString(),
    plan,
    method: METHOD,
    rows,
    problems: grpcProblems(rows),
  };
}

function label(r: GrpcBenchRow): string {
  return `gRPC ${r.compression} ${r.mode} at ${r.channels} channels`;
}

/** A row with failed requests is invalid. */
export function grpcProblems(rows: GrpcBenchRow[]): string[] {
  return rows.filter((r) => r.failed > 0).map((r) => `${label(r)}: ${r.failed} failed requests`);
}

const HEADER = [
  "compression",
  "mode",
  "channels",
  "conns",
  "infer/s",
  "client CPU µs/req",
  "server CPU µs/req",
  "failed",
];

export function grpcLines(rows: GrpcBenchRow[]): string[] {
  const cells = [HEADER];
  for (const r of rows) {
    cells.push([
      r.compression,
      r.mode,
      String(r.channels),
      String(r.connections),
      r.rate.toFixed(0),
      r.cpuUsPerRequest.toFixed(1),
      r.serverCpuUsPerRequest.toFixed(1),
      String(r.failed),
    ]);
  }
  return [GRPC_TITLE, ...alignColumns(cells, 2)];
}
