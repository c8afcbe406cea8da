/**
 * Throughput of the gRPC backend's channels in a closed loop against the reference server
 * (zero compute): unary and streaming, 1/4/16 channels, channels spread over one or several
 * HTTP/2 connections, requests sent as they are or compressed. It is a measurement, not a test.
 * Run: npx -y deno@2.9.6 run -A scripts/bench_grpc_channel.ts [seconds] [unary|stream]...
 *      [channels=1,4,16] [per=CHANNELS_PER_CONNECTION,...] [compressions=none,gzip,deflate]
 *
 * The server runs as a child process so client and server CPU are read apart.
 * PA_SERVER_MAIN=/path/to/server/main.ts runs another tree's reference server instead, which
 * tells a client change from a server change (one tree's client against the other's server).
 *
 * `deno task bench` runs it through {@link grpcBenchRows} (scripts/bench_grpc.ts).
 */
import type { Channel, PreparedRequest } from "../core/backend.ts";
import { tritonOptions } from "../backends/triton/testing/options.ts";
import { systemClock } from "../core/clock.ts";
import { mainThreadCpuReader } from "../core/measure/cpu_time.ts";
import { RequestRecord } from "../core/measure/record.ts";
import { procCpuSeconds } from "./bench_proc.ts";
import { simpleSpec } from "../conformance/fixture.ts";
import { GRPC_CHANNELS_PER_CONNECTION, TritonGrpcBackend } from "../backends/triton/grpc.ts";
import type { GrpcCompression } from "../backends/net/grpc_compression.ts";

export type GrpcBenchMode = "unary" | "stream";

/** One closed-loop measurement: `channels` channels with one compression for `seconds`. */
export interface GrpcBenchRow {
  compression: GrpcCompression;
  mode: GrpcBenchMode;
  channels: number;
  connections: number;
  seconds: number;
  requests: number;
  /** Completed requests (failed ones included) per second. */
  rate: number;
  /** This process's main-thread CPU per request. */
  cpuUsPerRequest: number;
  /** The server child process's whole CPU (utime+stime) per request. */
  serverCpuUsPerRequest: number;
  failed: number;
}

/** Which rows {@link grpcBenchRows} measures: every mode × channel count × compression. */
export interface GrpcBenchPlan {
  seconds: number;
  modes: GrpcBenchMode[];
  channels: number[];
  compressions: GrpcCompression[];
  /** Channels per HTTP/2 connection; default: the backend's. */
  perConnection?: number[];
}

async function loop(ch: Channel, prepared: PreparedRequest, ms: number) {
  const rec = new RequestRecord();
  const t0 = performance.now();
  let n = 0;
  let failed = 0;
  // Bounded by time, checked every 64 sends, and by a hard request cap.
  while (n < 50e6 && (n & 63 || performance.now() - t0 < ms)) {
    rec.reset(0);
    await ch.send(prepared, rec);
    if (rec.outcome !== "ok") failed++;
    n++;
  }
  return { n, failed };
}

/** Starts server/main.ts with a gRPC listener; resolves with the child and its gRPC address. */
async function startServerProcess(): Promise<{ child: Deno.ChildProcess; url: string }> {
  const main = Deno.env.get("PA_SERVER_MAIN") ??
    new URL("../server/main.ts", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", main, "--http-port", "0", "--grpc-port", "0"],
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  // Bounded: the server prints two lines at startup, then nothing.
  for (let i = 0; i < 100; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
    const m = /Triton gRPC on (\S+)/.exec(text);
    if (m) {
      reader.releaseLock();
      child.stdout.cancel().catch(() => {});
      return { child, url: m[1] };
    }
  }
  child.kill("SIGKILL");
  await child.status;
  throw new Error(`the reference server did not report a gRPC address: ${text}`);
}

async function measure(
  server: { child: Deno.ChildProcess; url: string },
  streaming: boolean,
  channels: number,
  perConnection: number,
  seconds: number,
  compression: GrpcCompression,
): Promise<{ row: GrpcBenchRow; backend: TritonGrpcBackend }> {
  const options = tritonOptions(server.url, {
    protocol: "grpc",
    streaming,
    grpcCompression: compression,
  });
  const backend = new TritonGrpcBackend(options, systemClock, {
    channelsPerConnection: perConnection,
  });
  await backend.describe("simple", "");
  const prepared = backend.prepare(simpleSpec(1));
  const chs = await Promise.all(Array.from({ length: channels }, () => backend.connect()));
  const run = (ms: number) => Promise.all(chs.map((ch) => loop(ch, prepared, ms)));
  await run(500); // warm-up: JIT, connections, streams
  const cpu = mainThreadCpuReader();
  const cpu0 = cpu();
  const serverCpu0 = await procCpuSeconds(server.child.pid);
  const t0 = performance.now();
  const parts = await run(seconds * 1000);
  const elapsed = (performance.now() - t0) / 1000;
  const cpuUs = cpu() - cpu0;
  const serverCpuUs = (await procCpuSeconds(server.child.pid) - serverCpu0) * 1e6;
  const n = parts.reduce((a, p) => a + p.n, 0);
  const row: GrpcBenchRow = {
    compression,
    mode: streaming ? "stream" : "unary",
    channels,
    connections: Math.ceil(channels / perConnection),
    seconds: Math.round(elapsed * 1000) / 1000,
    requests: n,
    rate: Math.round(n / elapsed),
    cpuUsPerRequest: Math.round((cpuUs / n) * 10) / 10,
    serverCpuUsPerRequest: Math.round((serverCpuUs / n) * 10) / 10,
    failed: parts.reduce((a, p) => a + p.failed, 0),
  };
  return { row, backend };
}

function combos<A, B>(as: Iterable<A>, bs: B[]): [A, B][] {
  return [...as].flatMap((a) => bs.map((b): [A, B] => [a, b]));
}

/** One row against a fresh server process, so no row inherits another's server state. */
async function measureRow(
  mode: GrpcBenchMode,
  channels: number,
  perConnection: number,
  seconds: number,
  compression: GrpcCompression,
): Promise<GrpcBenchRow> {
  const server = await startServerProcess();
  try {
    const streaming = mode === "stream";
    const m = await measure(server, streaming, channels, perConnection, seconds, compression);
    await m.backend.close();
    return m.row;
  } finally {
    try {
      server.child.kill("SIGKILL");
    } catch { /* already gone */ }
    await server.child.status;
  }
}

/** One console line per row, as the CLI has always printed them. */
export function formatGrpcRow(row: GrpcBenchRow): string {
  const channels = String(row.channels).padStart(2);
  const connections = String(row.connections).padStart(2);
  return `${row.compression.padEnd(7)} ${row.mode.padEnd(6)} channels=${channels} ` +
    `connections=${connections}: ${row.rate} infer/s, ` +
    `CPU us/request client ${row.cpuUsPerRequest} server ${row.serverCpuUsPerRequest}, ` +
    `${row.failed} failed`;
}

/**
 * Measures every mode × channel count × connection spread × compression, one at a time, each
 * against its own server process; `log` gets each row as it is made.
 */
export async function grpcBenchRows(
  plan: GrpcBenchPlan,
  log: (line: string) => void = () => {},
): Promise<GrpcBenchRow[]> {
  const rows: GrpcBenchRow[] = [];
  for (const mode of plan.modes) {
    for (const channels of plan.channels) {
      const spreads = plan.perConnection ?? [GRPC_CHANNELS_PER_CONNECTION];
      for (const [perConnection, compression] of combos(new Set(spreads), plan.compressions)) {
        const row = await measureRow(mode, channels, perConnection, plan.seconds, compression);
        log(formatGrpcRow(row));
        rows.push(row);
      }
    }
  }
  return rows;
}

async function main(): Promise<void> {
  const seconds = Number(Deno.args[0] ?? "3");
  const rest = Deno.args.slice(1);
  const picked = rest.filter((a): a is GrpcBenchMode => a === "unary" || a === "stream");
  const modes: GrpcBenchMode[] = picked.length > 0 ? picked : ["unary", "stream"];
  const counts = rest.find((a) => a.startsWith("channels="))?.slice(9).split(",").map(Number);
  const per = rest.find((a) => a.startsWith("per="))?.slice(4).split(",").map(Number);
  const compressions = (rest.find((a) => a.startsWith("compressions="))?.slice(13).split(",") ??
    ["none"]) as GrpcCompression[];
  const log = (line: string) => console.log(line);
  for (const mode of modes) {
    for (const channels of counts ?? [1, 4, 16]) {
      // By default each count also spread over connections of 16, 4 and 1 channels.
      const perConnection = per ?? [channels, 16, 4, 1].filter((p) => p <= channels);
      const plan = { seconds, modes: [mode], channels: [channels], compressions, perConnection };
      await grpcBenchRows(plan, log);
    }
  }
}

if (import.meta.main) await main();
