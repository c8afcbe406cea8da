import assert from "node:assert/strict";
import { parseCommandLine } from "./command_line.ts";
import { urlHost } from "./output.ts";
import { UsageError } from "../errors.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

function config(...args: string[]) {
  const result = parseCommandLine(["-m", "simple", ...args], TEST_KINDS);
  if (result.action !== "run") throw new Error(`expected a run, got ${result.action}`);
  return result.config;
}

function error(...args: string[]): string {
  try {
    parseCommandLine(["-m", "simple", ...args], TEST_KINDS);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error("expected a usage error");
}

Deno.test("metrics flags: defaults, URL derived from -u, explicit URL and interval", () => {
  const plain = config();
  assert.equal(plain.collectMetrics, false);
  assert.equal(plain.profileExportFile, undefined);
  assert.equal(config("--collect-metrics").metricsUrl, "localhost:8002/metrics");
  assert.equal(config("--collect-metrics").metricsIntervalMs, 1000);
  assert.equal(
    config("--collect-metrics", "-u", "10.0.0.5:8000").metricsUrl,
    "10.0.0.5:8002/metrics",
  );
  assert.equal(config("--collect-metrics", "-u", "[::1]:9000").metricsUrl, "[::1]:8002/metrics");
  const c = config("--collect-metrics", "--metrics-url", "h:9/m", "--metrics-interval", "250");
  assert.equal(c.metricsUrl, "h:9/m");
  assert.equal(c.metricsIntervalMs, 250);
  assert.equal(config("--profile-export-file", "out.json").profileExportFile, "out.json");
});

Deno.test("metrics flags: perf_analyzer's rules, with the value and the fix in the message", () => {
  assert.match(
    error("--metrics-url", "h:1/m"),
    /Must specify --collect-metrics when using the --metrics-url option/,
  );
  assert.match(
    error("--metrics-interval", "5"),
    /Must specify --collect-metrics when using the --metrics-interval option/,
  );
  assert.match(
    error("--collect-metrics", "--metrics-interval", "0"),
    /--metrics-interval\. The value must be > 0 msec\. Got "0"/,
  );
  assert.match(error("--collect-metrics", "--metrics-interval", "1.5"), /metrics-interval/);
  assert.match(
    error("--profile-export-file", ""),
    /--profile-export-file\. The value must not be empty/,
  );
  assert.match(
    error("--collect-metrics", "--service-kind", "inproc"),
    /^Server-side metric collection is only supported with KServe client backend \(--service-kind kserve\); got --service-kind inproc\.$/,
  );
});

Deno.test("urlHost: strips scheme, port and path", () => {
  assert.equal(urlHost("localhost:8000"), "localhost");
  assert.equal(urlHost("http://example.com:8000/v2"), "example.com");
  assert.equal(urlHost("example.com"), "example.com");
  assert.equal(urlHost("[fe80::1]:8000"), "[fe80::1]");
});
