/**
 * The optional per-run side channels of a measurement: the --collect-metrics scraper and the
 * --profile-export-file writer. Created before the first level (so a bad export path fails
 * before any load is sent), started with the load, closed however the run ends.
 */
import type { Clock } from "../clock.ts";
import type { RunConfig } from "../cli/config.ts";
import { MetricsCollector } from "../metrics/collector.ts";
import { ProfileExport } from "./profile_export.ts";

export interface RunSinks {
  metrics: MetricsCollector | undefined;
  export: ProfileExport | undefined;
  /** Begins scraping (call when the load starts). */
  start(): void;
  /** Stops scraping and finishes the export file; safe to call once after any outcome. */
  close(): Promise<void>;
}

/** perf_analyzer's service_kind strings; plugins are named by their kind. */
function exportKind(config: RunConfig, backendKind: string): string {
  return config.serviceKind.startsWith("plugin:") ? backendKind : config.serviceKind;
}

/** `path` made absolute against the run's working directory. */
export function resolvePath(path: string, cwd: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/$/, "")}/${path}`;
}

export function openSinks(
  config: RunConfig,
  deps: { clock: Clock; cwd: string; stderr(text: string): void },
  backendKind: string,
  /** The API path of the requests (the openai kind's --endpoint), "" when there is none. */
  endpoint: string,
): RunSinks {
  const metrics = config.collectMetrics
    ? new MetricsCollector({
      url: config.metricsUrl,
      intervalMs: config.metricsIntervalMs,
      clock: deps.clock,
      warn: (m) => deps.stderr(`${m}\n`),
    })
    : undefined;
  const exporter = config.profileExportFile === undefined ? undefined : new ProfileExport({
    path: resolvePath(config.profileExportFile, deps.cwd),
    serviceKind: exportKind(config, backendKind),
    endpoint,
  });
  return {
    metrics,
    export: exporter,
    start: () => metrics?.start(),
    async close() {
      try {
        await metrics?.stop();
      } finally {
        exporter?.close();
      }
    },
  };
}
