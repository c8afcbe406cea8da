/** --help entries of the server-metrics and profile-export options. */
import type { HelpEntry } from "./help_table.ts";

export const OUTPUT_HELP: readonly HelpEntry[] = [
  {
    id: "collect-metrics",
    flags: "--collect-metrics",
    def: "off",
    text: "Triton only: scrape the server's Prometheus GPU metrics during each window and " +
      "report, per GPU, average utilization and power, max used and total memory.",
  },
  {
    id: "metrics-url",
    flags: "--metrics-url <host:port/path>",
    def: "<host of -u>:8002/metrics",
    text: "Where to scrape them (requires --collect-metrics).",
  },
  {
    id: "metrics-interval",
    flags: "--metrics-interval <ms>",
    def: "1000",
    text: "Time between scrapes (> 0; requires --collect-metrics). A failed scrape is " +
      "counted and warned about; the run goes on.",
  },
  {
    id: "profile-export-file",
    flags: "--profile-export-file <file>",
    def: "none",
    text: "Write every measured request's timestamps as perf_analyzer's profile-export JSON, " +
      "streamed to disk as windows end (memory stays flat). The file must not exist yet.",
  },
];
