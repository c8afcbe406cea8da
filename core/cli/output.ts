/**
 * Server-metrics and profile-export options (docs/perf_analyzer.md §1.2, §2.12, §3.3), and
 * perf_analyzer's rule for them (§1.3): --metrics-url and --metrics-interval only with
 * --collect-metrics. Which kinds serve metrics, and on which port, their descriptors say
 * (core/cli/kind.ts).
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import { UsageError } from "../errors.ts";
import { parseIntegerWhere, valueError } from "./values.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const OUTPUT_HANDLERS = {
  "collect-metrics": (c) => {
    c.collectMetrics = true;
  },
  "metrics-url": (c, s, v) => {
    if (v === "") throw valueError("--metrics-url", "The value must not be empty.", v);
    c.metricsUrl = v;
    s.metricsUrlSet = true;
  },
  "metrics-interval": (c, s, v) => {
    const rule = "The value must be > 0 msec.";
    c.metricsIntervalMs = parseIntegerWhere("--metrics-interval", v, (n) => n > 0, rule);
    s.metricsIntervalSet = true;
  },
  "profile-export-file": (c, _s, v) => {
    if (v === "") throw valueError("--profile-export-file", "The value must not be empty.", v);
    c.profileExportFile = v;
  },
} satisfies Record<string, Handler>;

/** The host part of -u ("host:port", "[v6]:port", with or without a scheme or a path). */
export function urlHost(url: string): string {
  const bare = url.replace(/^[a-z][a-z0-9+.-]*:\/\//i, "").split("/")[0];
  if (bare.startsWith("[")) return bare.slice(0, bare.indexOf("]") + 1);
  const colon = bare.lastIndexOf(":");
  return colon >= 0 ? bare.slice(0, colon) : bare;
}

/** --metrics-url and --metrics-interval need --collect-metrics. */
export function finishOutput(config: RunConfig, state: ParseState): void {
  for (
    const [set, flag] of [[state.metricsUrlSet, "--metrics-url"], [
      state.metricsIntervalSet,
      "--metrics-interval",
    ]] as const
  ) {
    if (set && !config.collectMetrics) {
      throw new UsageError(`Must specify --collect-metrics when using the ${flag} option.`);
    }
  }
}
