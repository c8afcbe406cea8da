/**
 * Number formatting and the shared report context. The console report and the CSV must print
 * numbers exactly as perf_analyzer's C++ streams do, so doubles go through {@link formatCpp}
 * (default ostream = printf "%g" with 6 significant digits) and times through {@link usec}
 * (integer division of nanoseconds by 1000).
 */
import type { BannerStyle, ComposingModel, ModelInfo, ModelStats } from "../backend.ts";
import type { Range, RunConfig } from "../cli/config.ts";

/** Request-rate mode settings; RunConfig has no rate fields yet, so the caller passes them. */
export interface RateSettings {
  range: Range;
  distribution: "constant" | "poisson" | "gamma";
  /** The gamma distribution's shape. */
  burstiness?: number;
}

export interface ReportContext {
  config: RunConfig;
  model: ModelInfo;
  /** "HTTP" (later "gRPC"): used in "Avg HTTP time". */
  protocolLabel: "HTTP" | "gRPC";
  /** Server-side statistics were available for this run (Server block and server CSV columns). */
  serverStats: boolean;
  /** Present in request-rate mode: the banner prints the rate limit and the distribution. */
  rate?: RateSettings;
  /**
   * The loaded backend's kind (BackendDescriptor.kind). A plugin has no name in perf_analyzer's
   * list, so the banner prints this uppercased; without it a plugin prints "PLUGIN".
   */
  backendKind?: string;
  /** The kind's banner style (its descriptor's `banner`). */
  banner?: BannerStyle;
  /** Where and how the run was made, for the run summary and the HTML report's header. */
  runInfo?: RunInfo;
  /** The first Ctrl-C cut the run short: the summary says so (exit code 130). */
  interrupted?: boolean;
}

/** Facts about the run's origin (core/report/run_info.ts reads them from the process). */
export interface RunInfo {
  /** The arguments as typed, quoted where a shell would need it. */
  commandLine: string;
  host: string;
  /** CPU model and logical CPU count, "Intel(R) Xeon(R) ... × 8". */
  cpu: string;
  /** The commit the tool was built from, `-dirty` for a modified checkout (buildCommit(true)). */
  commit: string;
}

/** What perf_analyzer prints for a std dev of one sample: UINT64_MAX stored in the µs field. */
export const UINT64_MAX_TEXT = "18446744073709551615";

/** ns → µs the way perf_analyzer does it: unsigned integer division, never negative. */
export function usec(ns: number): number {
  if (!Number.isFinite(ns) || ns <= 0) return 0;
  return Math.trunc(ns / 1000);
}

/** Std dev in µs; NaN/∞ (fewer than 2 samples) prints UINT64_MAX like perf_analyzer. */
export function stdUsecText(stdNs: number): string {
  if (!Number.isFinite(stdNs)) return UINT64_MAX_TEXT;
  return String(usec(stdNs));
}

/** Exact value of a positive finite double as `digits × 10^-scale` (BigInt, no rounding). */
function exactDecimal(x: number): { digits: bigint; scale: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const hi = view.getUint32(0);
  const lo = view.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  let exp2 = -1074;
  if (biased !== 0) {
    mant += 1n << 52n;
    exp2 = biased - 1075;
  }
  if (exp2 >= 0) return { digits: mant << BigInt(exp2), scale: 0 };
  // m·2^-k = m·5^k / 10^k, which keeps everything in integers.
  return { digits: mant * 5n ** BigInt(-exp2), scale: -exp2 };
}

/** round(digits × 10^(shift − scale)) to an integer, ties to even (glibc printf rounding). */
function roundScaled(digits: bigint, scale: number, shift: number): bigint {
  const k = shift - scale;
  if (k >= 0) return digits * 10n ** BigInt(k);
  const div = 10n ** BigInt(-k);
  const q = digits / div;
  const twice = (digits % div) * 2n;
  if (twice > div || (twice === div && q % 2n === 1n)) return q + 1n;
  return q;
}

function specialText(x: number): string | undefined {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  return undefined;
}

/**
 * C++ default ostream formatting of a double (precision 6): "%g" — fixed notation when the
 * decimal exponent is in [-4, 6), scientific otherwise, trailing zeros removed.
 */
export function formatCpp(x: number): string {
  const special = specialText(x);
  if (special !== undefined) return special;
  const precision = 6;
  const sign = x < 0 ? "-" : "";
  const { digits, scale } = exactDecimal(Math.abs(x));
  let exp10 = digits.toString().length - 1 - scale;
  let q = roundScaled(digits, scale, precision - 1 - exp10);
  if (q.toString().length > precision) {
    // Rounding carried into a new digit (999999.5 → 1e+06).
    exp10 += 1;
    q /= 10n;
  }
  const s = q.toString();
  if (exp10 < -4 || exp10 >= precision) {
    const mantissa = stripZeros(s[0] + "." + s.slice(1));
    const e = Math.abs(exp10).toString().padStart(2, "0");
    return `${sign}${mantissa}e${exp10 < 0 ? "-" : "+"}${e}`;
  }
  if (exp10 >= 0) {
    return sign + stripZeros(s.slice(0, exp10 + 1) + "." + s.slice(exp10 + 1));
  }
  return sign + stripZeros("0." + "0".repeat(-exp10 - 1) + s);
}

/** "12.500" → "12.5", "12.000" → "12"; only called on strings that contain a point. */
function stripZeros(s: string): string {
  return s.replace(/0+$/, "").replace(/\.$/, "");
}

/** C++ `std::fixed << std::setprecision(digits)`, e.g. the "Avg client overhead" percentage. */
export function formatFixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return specialText(x) ?? "nan";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  let s: string;
  if (x === 0) {
    s = "0".repeat(digits + 1);
  } else {
    const exact = exactDecimal(Math.abs(x));
    s = roundScaled(exact.digits, exact.scale, digits).toString().padStart(digits + 1, "0");
  }
  if (digits === 0) return sign + s;
  return `${sign}${s.slice(0, s.length - digits)}.${s.slice(s.length - digits)}`;
}

/** Per-request server averages in ns (integer division, 0 when the count is 0). */
export interface ServerAveragesNs {
  request: number;
  queue: number;
  computeInput: number;
  computeInfer: number;
  computeOutput: number;
  /** (input + infer + output ns) / compute input count: not the sum of the three averages. */
  compute: number;
  cacheHit: number;
  cacheMiss: number;
  /** (hit + miss + compute ns) / (compute count + hit count), the cache-enabled "compute". */
  cacheCompute: number;
}

function avgNs(totalNs: number, count: number): number {
  return count > 0 ? Math.floor(totalNs / count) : 0;
}

export function serverAveragesNs(s: ModelStats): ServerAveragesNs {
  const computeNs = s.computeInputNs + s.computeInferNs + s.computeOutputNs;
  return {
    request: avgNs(s.successNs, s.successCount),
    queue: avgNs(s.queueNs, s.queueCount),
    computeInput: avgNs(s.computeInputNs, s.computeInputCount),
    computeInfer: avgNs(s.computeInferNs, s.computeInferCount),
    computeOutput: avgNs(s.computeOutputNs, s.computeOutputCount),
    compute: avgNs(computeNs, s.computeInputCount),
    cacheHit: avgNs(s.cacheHitNs, s.cacheHitCount),
    cacheMiss: avgNs(s.cacheMissNs, s.cacheMissCount),
    cacheCompute: avgNs(
      computeNs + s.cacheHitNs + s.cacheMissNs,
      s.computeInputCount + s.cacheHitCount,
    ),
  };
}

/**
 * perf_analyzer reports cache counts and columns when the profiled model or any of its composing
 * models has the response cache on.
 */
export function responseCacheShown(model: ModelInfo): boolean {
  const any = (list: readonly ComposingModel[]): boolean =>
    list.some((m) => m.responseCache || any(m.composing));
  return model.responseCache || any(model.composing ?? []);
}

/** The load value as perf_analyzer prints it: concurrency is an integer, a rate a double. */
export function formatLoadValue(mode: "concurrency" | "request_rate", value: number): string {
  return mode === "concurrency" ? String(Math.trunc(value)) : formatCpp(value);
}
