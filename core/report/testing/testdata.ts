/**
 * Test data for the report tests: the runs behind tests/golden/*.txt and *.csv rebuilt as
 * LevelResult objects. The golden files only show µs, so the ns values here are chosen to
 * truncate to the printed numbers and to reproduce the derived columns (server overhead,
 * "Network+Server Send/Recv"), which depend on sub-µs parts.
 */
import type { ModelInfo, ModelStats } from "../../backend.ts";
import { defaultConfig, type RunConfig } from "../../cli/config.ts";
import type { ReportContext } from "../format.ts";
import { modelInfo } from "../../testing/model_info.ts";
import type { ClientStats, LevelResult, PassSummary } from "../../measure/results.ts";

export const GOLDEN_DIR = new URL("../../../tests/golden/", import.meta.url);

/** A golden console file without the "exit N" line we appended to it. */
export async function goldenConsole(name: string): Promise<string> {
  const text = await Deno.readTextFile(new URL(name, GOLDEN_DIR));
  return text.replace(/exit \d+\n$/, "");
}

export function goldenText(name: string): Promise<string> {
  return Deno.readTextFile(new URL(name, GOLDEN_DIR));
}

/** Triton's `simple` example model, as the golden runs saw it. */
export function simpleModel(): ModelInfo {
  const io = (name: string) => ({ name, datatype: "INT32" as const, shape: [16] });
  return modelInfo({
    platform: "tensorflow_graphdef",
    inputs: [io("INPUT0"), io("INPUT1")],
    outputs: [io("OUTPUT0"), io("OUTPUT1")],
  });
}

export function context(config: Partial<RunConfig>, extra: Partial<ReportContext> = {}) {
  const ctx: ReportContext = {
    config: {
      ...defaultConfig(),
      serviceKind: "triton",
      url: "localhost:8000",
      model: "simple",
      measurementIntervalMs: 1000,
      ...config,
    },
    model: simpleModel(),
    protocolLabel: "HTTP",
    serverStats: true,
    // The golden banners are Triton's, which always print the batch size.
    banner: { batchSize: true },
    ...extra,
  };
  return ctx;
}

export interface ClientSpec {
  count: number;
  throughput: number;
  latencyNs: number;
  stdNs: number;
  /** p50, p90, p95, p99 (and more pairs when --percentile adds one). */
  percentiles: [number, number][];
  requestNs: number;
  sendNs: number;
  recvNs: number;
  overheadPct?: number;
}

export function client(s: ClientSpec): ClientStats {
  return {
    requestCount: s.count,
    responseCount: s.count,
    errorCount: 0,
    errors: new Map(),
    durationNs: 3e9,
    throughput: s.throughput,
    responseThroughput: s.throughput,
    sequenceCount: 0,
    sequenceThroughput: 0,
    sendRate: s.throughput,
    avgLatencyNs: s.latencyNs,
    stdLatencyNs: s.stdNs,
    percentilesNs: new Map(s.percentiles),
    avgRequestNs: s.requestNs,
    avgSendNs: s.sendNs,
    avgRecvNs: s.recvNs,
    overheadPct: s.overheadPct ?? 1,
  };
}

/** Server stats from per-request averages (ns) and one count used for every counter. */
export function server(count: number, avg: number[]): ModelStats {
  const [request, queue, input, infer, output] = avg;
  return {
    inferenceCount: count,
    executionCount: count,
    successCount: count,
    successNs: count * request,
    queueCount: count,
    queueNs: count * queue,
    computeInputCount: count,
    computeInputNs: count * input,
    computeInferCount: count,
    computeInferNs: count * infer,
    computeOutputCount: count,
    computeOutputNs: count * output,
    cacheHitCount: 0,
    cacheHitNs: 0,
    cacheMissCount: 0,
    cacheMissNs: 0,
  };
}

export function level(
  value: number,
  c: ClientStats,
  s: ModelStats | undefined,
  opts: { mode?: LevelResult["mode"]; passes?: PassSummary[]; stabilizingNs?: number } = {},
): LevelResult {
  return {
    mode: opts.mode ?? "concurrency",
    value,
    passes: opts.passes ?? [],
    reportedPasses: Math.min(3, opts.passes?.length ?? 0),
    client: c,
    server: s,
    stabilizingLatencyNs: opts.stabilizingNs ?? c.avgLatencyNs,
    status: "stable",
  };
}

const pcts = (...us: number[]): [number, number][] =>
  [50, 90, 95, 99].map((p, i) => [p, us[i] * 1000 + 300]);

/** http_concurrency_1-2.txt / http_c1-2.csv */
export function plainLevels(): LevelResult[] {
  return [
    level(
      1,
      client({
        count: 20977,
        throughput: 5733.3412,
        latencyNs: 171_900,
        stdNs: 94_500,
        percentiles: pcts(165, 189, 205, 273),
        requestNs: 170_500,
        sendNs: 24_000,
        recvNs: 0,
      }),
      server(20979, [25_500, 1_000, 1_900, 21_900, 1_900]),
    ),
    level(
      2,
      client({
        count: 22281,
        throughput: 6064.7598,
        latencyNs: 324_100,
        stdNs: 149_000,
        percentiles: pcts(311, 374, 410, 547),
        requestNs: 321_500,
        sendNs: 22_950,
        recvNs: 0,
      }),
      server(22290, [53_500, 2_000, 2_400, 45_400, 2_400]),
    ),
  ];
}

const pass = (throughput: number, avgUs: number, stdUs: number): PassSummary => ({
  throughput,
  avgLatencyNs: avgUs * 1000 + 400,
  stdLatencyNs: stdUs * 1000 + 700,
  stabilizingLatencyNs: avgUs * 1000 + 400,
  errorCount: 0,
});

/** http_verbose.txt / http_verbose.csv */
export function verboseLevels(): LevelResult[] {
  return [
    level(
      1,
      client({
        count: 20539,
        throughput: 5614.2003,
        latencyNs: 175_900,
        stdNs: 99_000,
        percentiles: pcts(169, 198, 211, 264),
        requestNs: 174_500,
        sendNs: 24_000,
        recvNs: 0,
        overheadPct: 2.1612,
      }),
      server(20541, [26_500, 1_000, 1_900, 22_900, 1_900]),
      { passes: [pass(5447.38, 180, 58), pass(5887, 167, 134), pass(5504.07, 178, 85)] },
    ),
    level(
      2,
      client({
        count: 21107,
        throughput: 5752.7701,
        latencyNs: 341_000,
        stdNs: 134_000,
        percentiles: pcts(331, 392, 446, 619),
        requestNs: 338_999,
        sendNs: 24_950,
        recvNs: 950,
        overheadPct: 2.449,
      }),
      server(21109, [54_500, 2_000, 2_400, 46_400, 2_400]),
      { passes: [pass(5779.02, 339, 64), pass(5760.75, 341, 175), pass(5719.24, 342, 137)] },
    ),
  ];
}

/** http_rate_p95.txt / http_rate.csv (--percentile 95: stabilizing latency = p95). */
export function rateLevels(): LevelResult[] {
  const rate = (value: number, c: ClientStats, s: ModelStats) =>
    level(value, c, s, { mode: "request_rate", stabilizingNs: c.percentilesNs.get(95) });
  return [
    rate(
      200,
      client({
        count: 721,
        throughput: 200.0456,
        latencyNs: 337_000,
        stdNs: 100_000,
        percentiles: pcts(318, 459, 487, 573),
        requestNs: 331_500,
        sendNs: 55_000,
        recvNs: 0,
      }),
      server(721, [61_500, 3_000, 3_900, 51_900, 3_900]),
    ),
    rate(
      400,
      client({
        count: 1442,
        throughput: 399.8593,
        latencyNs: 295_500,
        stdNs: 90_000,
        percentiles: pcts(292, 394, 421, 499),
        requestNs: 293_500,
        sendNs: 42_000,
        recvNs: 0,
      }),
      server(1442, [59_500, 2_000, 2_700, 50_700, 2_700]),
    ),
  ];
}

/** http_request_count_export.txt */
export function requestCountLevels(): LevelResult[] {
  return [
    level(
      1,
      client({
        count: 50,
        throughput: 49.93761,
        latencyNs: 143_000,
        stdNs: 85_000,
        percentiles: pcts(114, 210, 323, 585),
        requestNs: 132_000,
        sendNs: 19_000,
        recvNs: 0,
      }),
      server(50, [32_500, 1_000, 1_400, 27_400, 1_400]),
    ),
  ];
}

/** grpc_c2.txt (sync) and grpc_streaming_c2.txt (async), both `--concurrency-range 2`. */
export function grpcLevels(streaming: boolean): LevelResult[] {
  if (!streaming) {
    const c = client({
      count: 10834,
      throughput: 2964.9801,
      latencyNs: 667_200,
      stdNs: 238_000,
      percentiles: pcts(655, 902, 983, 1177),
      requestNs: 657_100,
      sendNs: 2_100,
      recvNs: 1_200,
    });
    return [level(2, c, server(10836, [36_500, 1_000, 1_700, 30_700, 1_700]))];
  }
  const c = client({
    count: 16685,
    throughput: 4516.1899,
    latencyNs: 402_200,
    stdNs: 200_000,
    percentiles: pcts(390, 541, 597, 722),
    requestNs: 399_100,
    sendNs: 3_000,
    recvNs: 400,
  });
  return [level(2, c, server(16686, [38_500, 1_000, 1_700, 32_700, 1_700]))];
}
