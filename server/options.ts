/** Options of the reference server, their defaults and validation. */
import { checkStall, type Stall } from "./models/stall.ts";
import { checkServerTls, type ServerTlsFiles } from "./tls.ts";
import { type OpenAiOptions, type ResolvedOpenAi, resolveOpenAi } from "./openai/options.ts";

/**
 * A simulated duration in microseconds: fixed, or drawn per use. `normal` is cut at 0;
 * `lognormal` takes the mean and standard deviation of the durations themselves.
 */
export type ComputeTime =
  | number
  | { kind: "uniform"; minUs: number; maxUs: number }
  | { kind: "exponential"; meanUs: number }
  | { kind: "normal"; meanUs: number; stdUs: number }
  | { kind: "lognormal"; meanUs: number; stdUs: number };

export interface ServerOptions {
  /** Default "127.0.0.1". */
  host?: string;
  /** Default 0: the OS picks a free port. */
  httpPort?: number;
  /** Default: no gRPC listener. 0: the OS picks a free port. */
  grpcPort?: number;
  /** Default: no TF Serving gRPC listener. 0: the OS picks a free port. */
  tfservingPort?: number;
  /** Default: no Prometheus metrics listener. 0: the OS picks a free port. */
  metricsPort?: number;
  /** Default 0: no simulated compute time at all. */
  computeUs?: ComputeTime;
  /** Default 1: executions run at most this many at a time per model; the rest wait FIFO. */
  instances?: number;
  /** Mimic MLServer/KServe python: no /config route, no "model_configuration" extension. */
  noConfig?: boolean;
  /** No statistics extension: /stats routes 404 and "statistics" is not listed. */
  noStats?: boolean;
  /** Stop computing for `forMs` at the start of every `everyMs` (default: never). */
  stall?: Stall;
  /** Serve HTTP and gRPC over TLS (server/tls.ts); default: cleartext. Metrics stay cleartext. */
  tls?: ServerTlsFiles;
  /** The OpenAI-compatible mock on the HTTP listener (server/openai/options.ts). */
  openai?: OpenAiOptions;
  /**
   * Default 64 MiB (Triton's --http-max-input-size): the largest request body, after
   * decompression, and the largest gRPC message. Beyond it: HTTP 413, gRPC RESOURCE_EXHAUSTED.
   */
  maxBodyBytes?: number;
}

/** Triton's default --http-max-input-size. */
export const DEFAULT_MAX_BODY_BYTES = 64 << 20;

export interface ResolvedOptions {
  host: string;
  httpPort: number;
  /** undefined: no gRPC listener. */
  grpcPort: number | undefined;
  /** undefined: no TF Serving gRPC listener. */
  tfservingPort: number | undefined;
  /** undefined: no metrics listener. */
  metricsPort: number | undefined;
  computeUs: ComputeTime;
  instances: number;
  noConfig: boolean;
  noStats: boolean;
  stall: Stall | undefined;
  tls: ServerTlsFiles | undefined;
  openai: ResolvedOpenAi;
  maxBodyBytes: number;
}

function isNonNegative(n: unknown): n is number {
  return typeof n === "number" && Number.isFinite(n) && n >= 0;
}

/** Rejects an impossible duration with a RangeError naming `name`. */
export function checkComputeTime(c: ComputeTime, name = "computeUs"): void {
  if (typeof c === "number") {
    if (!isNonNegative(c)) {
      throw new RangeError(`Invalid ${name} ${c}: expected a finite number >= 0`);
    }
    return;
  }
  if (c.kind === "uniform") {
    if (!isNonNegative(c.minUs) || !isNonNegative(c.maxUs) || c.minUs > c.maxUs) {
      throw new RangeError(
        `Invalid uniform ${name} ${c.minUs}..${c.maxUs}: expected 0 <= minUs <= maxUs`,
      );
    }
    return;
  }
  if (c.kind === "exponential") {
    if (!isNonNegative(c.meanUs)) {
      throw new RangeError(`Invalid exponential ${name} mean ${c.meanUs}: expected >= 0`);
    }
    return;
  }
  if (c.kind === "normal" || c.kind === "lognormal") {
    // A lognormal with mean 0 is the constant 0, so it cannot spread.
    const spreadOk = c.kind === "normal" || c.meanUs > 0 || c.stdUs === 0;
    if (!isNonNegative(c.meanUs) || !isNonNegative(c.stdUs) || !spreadOk) {
      throw new RangeError(
        `Invalid ${c.kind} ${name} ${c.meanUs}:${c.stdUs}: expected mean >= 0 and std >= 0` +
          (c.kind === "lognormal" ? " (std 0 when mean is 0)" : ""),
      );
    }
    return;
  }
  throw new RangeError(`Invalid ${name} kind: ${JSON.stringify(c)}`);
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Invalid ${name} ${port}: expected an integer in 0..65535`);
  }
}

/** Fills defaults and rejects impossible values with a RangeError naming the option. */
export function resolveOptions(options: ServerOptions = {}): ResolvedOptions {
  const resolved: ResolvedOptions = {
    host: options.host ?? "127.0.0.1",
    httpPort: options.httpPort ?? 0,
    grpcPort: options.grpcPort,
    tfservingPort: options.tfservingPort,
    metricsPort: options.metricsPort,
    computeUs: options.computeUs ?? 0,
    instances: options.instances ?? 1,
    noConfig: options.noConfig ?? false,
    noStats: options.noStats ?? false,
    stall: options.stall,
    tls: options.tls,
    openai: resolveOpenAi(options.openai),
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
  };
  checkServerTls(resolved.tls);
  if (resolved.stall) checkStall(resolved.stall);
  checkPort("httpPort", resolved.httpPort);
  if (resolved.grpcPort !== undefined) checkPort("grpcPort", resolved.grpcPort);
  if (resolved.tfservingPort !== undefined) checkPort("tfservingPort", resolved.tfservingPort);
  if (resolved.metricsPort !== undefined) checkPort("metricsPort", resolved.metricsPort);
  if (!Number.isInteger(resolved.instances) || resolved.instances < 1) {
    throw new RangeError(`Invalid instances ${resolved.instances}: expected an integer >= 1`);
  }
  if (!Number.isSafeInteger(resolved.maxBodyBytes) || resolved.maxBodyBytes < 1) {
    throw new RangeError(`Invalid maxBodyBytes ${resolved.maxBodyBytes}: expected an integer >= 1`);
  }
  checkComputeTime(resolved.computeUs);
  return resolved;
}

/** A standard normal draw (Box-Muller); 1 - U lies in (0, 1], so the logarithm stays finite. */
function standardNormal(random: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
}

/** Draws one duration in microseconds. */
export function sampleComputeUs(c: ComputeTime, random: () => number = Math.random): number {
  if (typeof c === "number") return c;
  switch (c.kind) {
    case "uniform":
      return c.minUs + (c.maxUs - c.minUs) * random();
    case "exponential":
      return 0 - c.meanUs * Math.log(1 - random());
    case "normal":
      return Math.max(0, c.meanUs + c.stdUs * standardNormal(random));
    case "lognormal": {
      if (c.meanUs === 0) return 0;
      // The underlying normal's parameters that give this mean and standard deviation.
      const sigma2 = Math.log(1 + (c.stdUs * c.stdUs) / (c.meanUs * c.meanUs));
      const mu = Math.log(c.meanUs) - sigma2 / 2;
      return Math.exp(mu + Math.sqrt(sigma2) * standardNormal(random));
    }
  }
}

/** True when the option can never produce a non-zero duration (skip the timer machinery). */
export function isZeroCompute(c: ComputeTime): boolean {
  if (typeof c === "number") return c === 0;
  if (c.kind === "uniform") return c.maxUs === 0;
  if (c.kind === "normal") return c.meanUs === 0 && c.stdUs === 0;
  return c.meanUs === 0;
}
