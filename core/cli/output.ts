/**
 * Server-metrics and profile-export options (reference §1.2, §2.12, §3.3), and perf_analyzer's
 * rules for them (§1.3): metrics only with the triton service kind, --metrics-url and
 * --metrics-interval only with --collect-metrics, and the default URL derived from -u.
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import { UsageError } from "../errors.ts";
import { parseIntegerWhere, valueError } from "./values.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

/** Triton's metrics port (tritonserver --metrics-port default). */
const TRITON_METRICS_PORT = 8002;

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

/** Cross-option rules, and the default metrics URL: the -u host on Triton's port 8002. */
export function finishOutput(config: RunConfig, state: ParseState): void {
  if (config.collectMetrics && config.serviceKind !== "triton") {
    throw new UsageError(
      "Server-side metric collection is only supported with Triton client backend " +
        `(--service-kind triton); got --service-kind ${config.serviceKind}.`,
    );
  }
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
  if (config.collectMetrics && !state.metricsUrlSet) {
    const host = config.urlSet ? urlHost(config.url) : "localhost";
    config.metricsUrl = `${host}:${TRITON_METRICS_PORT}/metrics`;
  }
}
