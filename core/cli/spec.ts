/**
 * The option table: every flag perf_analyzer knows, whether it takes a value, which load mode
 * it selects and whether this build implements it, plus the flags each backend descriptor
 * adds. The scanner and the config builder both read it, so a flag's arity is decided in
 * exactly one place.
 */
import type { BackendDescriptor, BackendFlag } from "../backend.ts";
import type { LoadedPlugin } from "../registry.ts";

/** Inference load modes, named as perf_analyzer names them in its conflict error. */
export type LoadMode =
  | "Concurrency"
  | "RequestRate"
  | "RequestIntervals"
  | "PeriodicConcurrency"
  | "FixedSchedule"
  | "SessionConcurrency";

/** Options this build implements; the config builder switches over these. */
export type SupportedId =
  | "help"
  | "version"
  | "model"
  | "model-version"
  | "service-kind"
  | "url"
  | "protocol"
  | "header"
  | "verbose"
  | "measurement-mode"
  | "measurement-interval"
  | "measurement-request-count"
  | "stability-percentage"
  | "max-trials"
  | "stop-rule"
  | "percentile"
  | "latency-threshold"
  | "binary-search"
  | "request-count"
  | "warmup-request-count"
  | "request-timeout"
  | "max-error-rate"
  | "concurrency-range"
  | "periodic-concurrency-range"
  | "request-period"
  | "max-threads"
  | "async"
  | "sync"
  | "streaming"
  | "grpc-compression-algorithm"
  | "request-parameter"
  | "bls-composing-models"
  | "input-data"
  | "zero"
  | "batch-size"
  | "shape"
  | "string-length"
  | "string-data"
  | "csv-file"
  | "verbose-csv"
  | "no-progress"
  | "quiet"
  | "threshold"
  | "request-rate-range"
  | "request-distribution"
  | "request-intervals"
  | "fixed-schedule"
  | "session-concurrency"
  | "latency-from"
  | "pacing"
  | "schedule-seed"
  | "max-inflight"
  | "overload"
  | "deprecated-start"
  | "deprecated-end"
  | "deprecated-dynamic"
  | "data-directory"
  | "validation-mode"
  | "num-of-sequences"
  | "sequence-length"
  | "sequence-length-variation"
  | "sequence-id-range"
  | "serial-sequences"
  | "ssl-grpc-use-ssl"
  | "ssl-grpc-root-certifications-file"
  | "ssl-grpc-private-key-file"
  | "ssl-grpc-certificate-chain-file"
  | "ssl-https-verify-peer"
  | "ssl-https-verify-host"
  | "ssl-https-ca-certificates-file"
  | "ssl-https-client-certificate-file"
  | "ssl-https-client-certificate-type"
  | "ssl-https-private-key-file"
  | "ssl-https-private-key-type"
  | "collect-metrics"
  | "metrics-url"
  | "metrics-interval"
  | "profile-export-file"
  | "report-json"
  | "report-html"
  | "enable-mpi"
  | "worker-index"
  | "worker-count"
  | "execution-segment"
  | "execution-segment-sequence"
  | "start-at"
  | "dist-late-tolerance"
  | "dist-windows"
  | "dist-out"
  | "dist-run-id";

export interface OptionSpec {
  /** A {@link SupportedId}, or "backend" for a flag a backend descriptor adds (see `owner`). */
  id: SupportedId | "backend";
  /** Long name without the leading "--". */
  long?: string;
  /** Single-character short name without the leading "-". */
  short?: string;
  takesValue: boolean;
  /** Set on options that choose the inference load mode (conflicts are checked on these). */
  loadMode?: LoadMode;
  /** For id "backend": the flag, and the --service-kind value and descriptor that own it. */
  owner?: FlagOwner;
}

/** Who adds a backend flag: `kind` is the --service-kind value that selects `descriptor`. */
export interface FlagOwner {
  kind: string;
  descriptor: BackendDescriptor;
  flag: BackendFlag<unknown>;
}

function supported(
  id: SupportedId,
  names: { long?: string; short?: string },
  takesValue: boolean,
  loadMode?: LoadMode,
): OptionSpec {
  return { id, ...names, takesValue, loadMode };
}

/** Implemented options. Short letters match perf_analyzer's getopt string `vdazc:u:m:x:b:t:p:i:H:l:r:s:f:` plus -h. */
const SUPPORTED: OptionSpec[] = [
  supported("help", { long: "help", short: "h" }, false),
  supported("version", { long: "version" }, false),
  supported("model", { short: "m" }, true),
  supported("model-version", { short: "x" }, true),
  supported("service-kind", { long: "service-kind" }, true),
  supported("url", { short: "u" }, true),
  supported("protocol", { short: "i" }, true),
  supported("header", { short: "H" }, true),
  supported("verbose", { short: "v" }, false),
  supported("measurement-mode", { long: "measurement-mode" }, true),
  supported("measurement-interval", { long: "measurement-interval", short: "p" }, true),
  supported("measurement-request-count", { long: "measurement-request-count" }, true),
  supported("stability-percentage", { long: "stability-percentage", short: "s" }, true),
  supported("max-trials", { long: "max-trials", short: "r" }, true),
  supported("stop-rule", { long: "stop-rule" }, true),
  supported("percentile", { long: "percentile" }, true),
  supported("latency-threshold", { long: "latency-threshold", short: "l" }, true),
  supported("binary-search", { long: "binary-search" }, false),
  supported("request-count", { long: "request-count" }, true),
  supported("warmup-request-count", { long: "warmup-request-count" }, true),
  supported("request-timeout", { long: "request-timeout" }, true),
  supported("max-error-rate", { long: "max-error-rate" }, true),
  supported("concurrency-range", { long: "concurrency-range" }, true, "Concurrency"),
  supported(
    "periodic-concurrency-range",
    { long: "periodic-concurrency-range" },
    true,
    "PeriodicConcurrency",
  ),
  supported("request-period", { long: "request-period" }, true),
  supported("max-threads", { long: "max-threads" }, true),
  supported("async", { long: "async", short: "a" }, false),
  supported("sync", { long: "sync" }, false),
  supported("streaming", { long: "streaming" }, false),
  supported("grpc-compression-algorithm", { long: "grpc-compression-algorithm" }, true),
  supported("request-parameter", { long: "request-parameter" }, true),
  supported("bls-composing-models", { long: "bls-composing-models" }, true),
  supported("input-data", { long: "input-data" }, true),
  supported("data-directory", { long: "data-directory" }, true),
  supported("validation-mode", { long: "validation-mode" }, true),
  supported("num-of-sequences", { long: "num-of-sequences" }, true),
  supported("sequence-length", { long: "sequence-length" }, true),
  supported("sequence-length-variation", { long: "sequence-length-variation" }, true),
  supported("sequence-id-range", { long: "sequence-id-range" }, true),
  supported("serial-sequences", { long: "serial-sequences" }, false),
  supported("zero", { short: "z" }, false),
  supported("batch-size", { short: "b" }, true),
  supported("shape", { long: "shape" }, true),
  supported("string-length", { long: "string-length" }, true),
  supported("string-data", { long: "string-data" }, true),
  supported("csv-file", { short: "f" }, true),
  supported("verbose-csv", { long: "verbose-csv" }, false),
  supported("collect-metrics", { long: "collect-metrics" }, false),
  supported("metrics-url", { long: "metrics-url" }, true),
  supported("metrics-interval", { long: "metrics-interval" }, true),
  supported("profile-export-file", { long: "profile-export-file" }, true),
  supported("report-json", { long: "report-json" }, true),
  supported("report-html", { long: "report-html" }, true),
  supported("no-progress", { long: "no-progress" }, false),
  supported("quiet", { long: "quiet" }, false),
  supported("threshold", { long: "threshold" }, true),
  supported("request-rate-range", { long: "request-rate-range" }, true, "RequestRate"),
  supported("request-distribution", { long: "request-distribution" }, true),
  supported("request-intervals", { long: "request-intervals" }, true, "RequestIntervals"),
  supported("fixed-schedule", { long: "fixed-schedule" }, false, "FixedSchedule"),
  supported("session-concurrency", { long: "session-concurrency" }, true, "SessionConcurrency"),
  supported("latency-from", { long: "latency-from" }, true),
  supported("pacing", { long: "pacing" }, true),
  supported("schedule-seed", { long: "schedule-seed" }, true),
  supported("max-inflight", { long: "max-inflight" }, true),
  supported("overload", { long: "overload" }, true),
  supported("ssl-grpc-use-ssl", { long: "ssl-grpc-use-ssl" }, false),
  supported(
    "ssl-grpc-root-certifications-file",
    { long: "ssl-grpc-root-certifications-file" },
    true,
  ),
  supported("ssl-grpc-private-key-file", { long: "ssl-grpc-private-key-file" }, true),
  supported("ssl-grpc-certificate-chain-file", { long: "ssl-grpc-certificate-chain-file" }, true),
  supported("ssl-https-verify-peer", { long: "ssl-https-verify-peer" }, true),
  supported("ssl-https-verify-host", { long: "ssl-https-verify-host" }, true),
  supported("ssl-https-ca-certificates-file", { long: "ssl-https-ca-certificates-file" }, true),
  supported(
    "ssl-https-client-certificate-file",
    { long: "ssl-https-client-certificate-file" },
    true,
  ),
  supported(
    "ssl-https-client-certificate-type",
    { long: "ssl-https-client-certificate-type" },
    true,
  ),
  supported("ssl-https-private-key-file", { long: "ssl-https-private-key-file" }, true),
  supported("ssl-https-private-key-type", { long: "ssl-https-private-key-type" }, true),
  // The distributed-run flags (core/cli/distributed.ts): long names only, each with a value.
  ...([
    "worker-index",
    "worker-count",
    "execution-segment",
    "execution-segment-sequence",
    "start-at",
    "dist-late-tolerance",
    "dist-windows",
    "dist-out",
    "dist-run-id",
  ] as const).map((long) => supported(long, { long }, true)),
  supported("deprecated-start", { short: "t" }, true, "Concurrency"),
  supported("deprecated-end", { short: "c" }, true, "Concurrency"),
  supported("deprecated-dynamic", { short: "d" }, false, "Concurrency"),
  supported("enable-mpi", { long: "enable-mpi" }, false),
];

export const OPTIONS: readonly OptionSpec[] = SUPPORTED;

/** The flags `descriptor` adds, owned by the --service-kind value `kind`. */
function backendOptions(kind: string, descriptor: BackendDescriptor): OptionSpec[] {
  return (descriptor.flags ?? []).map((flag) => ({
    id: "backend",
    long: flag.long,
    short: flag.short,
    takesValue: flag.value !== undefined,
    owner: { kind, descriptor, flag },
  }));
}

function owned(o: OptionSpec): string {
  return o.owner ? `by --service-kind ${o.owner.kind}` : "by core";
}

/**
 * Core options plus the flags of the built-in backends and of the loaded plugin, if any. A name
 * used twice throws a plain Error naming both owners: a build error for built-ins, which the
 * plugin loader turns into a RunError naming the module.
 */
export class OptionTable {
  readonly options: readonly OptionSpec[];
  readonly #byShort = new Map<string, OptionSpec>();
  readonly #byLong = new Map<string, OptionSpec>();

  constructor(backends: readonly BackendDescriptor[], plugin?: LoadedPlugin) {
    const added = backends.flatMap((d) => backendOptions(d.kind, d));
    if (plugin) added.push(...backendOptions(plugin.serviceKind, plugin.descriptor));
    this.options = [...OPTIONS, ...added];
    for (const o of this.options) {
      const names = [[this.#byShort, o.short, "-"], [this.#byLong, o.long, "--"]] as const;
      for (const [map, name, dashes] of names) {
        if (name === undefined) continue;
        const taken = map.get(name);
        if (taken) {
          throw new Error(`${dashes}${name} is declared twice (${owned(taken)}, ${owned(o)})`);
        }
        map.set(name, o);
      }
    }
  }

  findShort(letter: string): OptionSpec | undefined {
    return this.#byShort.get(letter);
  }

  /**
   * Finds a long option by exact name or, as getopt_long does, by an unambiguous prefix.
   * Returns every candidate when the prefix is ambiguous so the caller can name them.
   */
  findLong(name: string): OptionSpec | OptionSpec[] | undefined {
    const exact = this.#byLong.get(name);
    if (exact) return exact;
    if (name === "") return undefined;
    const matches = this.options.filter((o) => o.long?.startsWith(name));
    if (matches.length === 0) return undefined;
    return matches.length === 1 ? matches[0] : matches;
  }
}

/** How to name an option in messages: "--long" when it has one, else "-s". */
export function displayName(spec: OptionSpec): string {
  return spec.long ? `--${spec.long}` : `-${spec.short}`;
}
