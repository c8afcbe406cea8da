/**
 * The scraper reads SGLang's, TGI's and Triton's (TensorRT-LLM's) metric names as it reads
 * vLLM's: Prometheus text samples written from their documented names, scraped on a fake clock
 * every second, give a level its gauges (the scrapes inside it) and its histograms (the
 * difference across it).
 */
import assert from "node:assert/strict";
import { FakeClock } from "../../../core/testing/fake_clock.ts";
import { type LevelServerMetrics, ServerMetricsScraper } from "./server_metrics.ts";

function gauge(name: string, value: number, labels = ""): string {
  return `# TYPE ${name} gauge\n${name}${labels} ${value}\n`;
}

/** A cumulative histogram: [upper bound, cumulative count] pairs, +Inf last. */
function histogram(name: string, buckets: [string, number][], sum: number): string {
  const lines = [`# TYPE ${name} histogram`];
  for (const [le, n] of buckets) lines.push(`${name}_bucket{le="${le}"} ${n}`);
  lines.push(`${name}_sum ${sum}`, `${name}_count ${buckets.at(-1)![1]}`);
  return lines.join("\n") + "\n";
}

/**
 * Scrapes `text(k)` at 0, 1 s, 2 s and (stop) 2.5 s, k = 0 ... 3, and reports a level from
 * 0.5 s to 2.2 s: its gauges are scrapes 1 and 2, its histograms scrape 3 minus scrape 0.
 */
async function levelOf(
  text: (k: number) => string,
): Promise<{ m: LevelServerMetrics; warnings: string[] }> {
  const clock = new FakeClock();
  const warnings: string[] = [];
  let k = 0;
  const scraper = new ServerMetricsScraper({
    urls: ["127.0.0.1:9400"],
    intervalMs: 1000,
    clock,
    warn: (w) => warnings.push(w),
    fetchText: () => Promise.resolve(text(k++)),
  });
  await scraper.start();
  await clock.sleep(2500);
  await scraper.stop();
  assert.equal(k, 4);
  const [m] = scraper.level({ spanNs: { start: 0.5e9, end: 2.2e9 } });
  return { m, warnings };
}

const close = (a: number | undefined, b: number) =>
  assert.ok(a !== undefined && Math.abs(a - b) < 1e-9, `${a} vs ${b}`);

Deno.test("server metrics: SGLang's gauges and histograms", async () => {
  const { m, warnings } = await levelOf((k) =>
    gauge("sglang:num_running_reqs", 2 + k, '{model_name="m"}') +
    gauge("sglang:num_queue_reqs", k, '{model_name="m"}') +
    gauge("sglang:token_usage", k / 10, '{model_name="m"}') +
    histogram("sglang:time_to_first_token_seconds", [["0.1", 10 * k], ["+Inf", 20 * k]], 3 * k) +
    histogram("sglang:inter_token_latency_seconds", [["0.01", 100 * k], ["+Inf", 100 * k]], k / 2)
  );
  assert.deepEqual(warnings, []);
  assert.deepEqual(m.running, { avg: 3.5, p50: 3, p99: 4, max: 4, samples: 2 });
  assert.deepEqual(m.waiting, { avg: 1.5, p50: 1, p99: 2, max: 2, samples: 2 });
  close(m.cache?.avg, 0.15);
  // 60 first tokens over the level, 30 below 0.1 s and 30 in the +Inf bucket; 9 s in all.
  assert.equal(m.ttftMs?.count, 60);
  close(m.ttftMs?.avg, 150);
  close(m.ttftMs?.p50, 100);
  close(m.ttftMs?.p99, 100);
  assert.equal(m.tpotMs?.count, 300);
  close(m.tpotMs?.avg, 5);
  close(m.tpotMs?.p50, 5);
  assert.equal(m.queueMs, undefined);
});

Deno.test("server metrics: TGI's queue and batch gauges, its per-request time per token and queue time", async () => {
  const { m, warnings } = await levelOf((k) =>
    gauge("tgi_batch_current_size", 2 + k) +
    gauge("tgi_queue_size", k) +
    gauge("tgi_batch_current_max_tokens", 4096) +
    histogram(
      "tgi_request_mean_time_per_token_duration",
      [["0.01", 5 * k], ["0.02", 10 * k], ["+Inf", 10 * k]],
      0.12 * k,
    ) +
    histogram("tgi_request_queue_duration", [["0.05", 10 * k], ["+Inf", 10 * k]], 0.2 * k)
  );
  assert.deepEqual(warnings, []);
  close(m.running?.avg, 3.5);
  close(m.waiting?.avg, 1.5);
  assert.equal(m.cache, undefined);
  assert.equal(m.ttftMs, undefined);
  // 30 requests, 15 at most 10 ms per token and 15 in (10, 20] ms: the median is 10 ms.
  assert.equal(m.tpotMs?.count, 30);
  close(m.tpotMs?.avg, 12);
  close(m.tpotMs?.p50, 10);
  close(m.tpotMs?.p99, 10 + 10 * (29.7 - 15) / 15);
  assert.equal(m.queueMs?.count, 30);
  close(m.queueMs?.avg, 20);
  close(m.queueMs?.p50, 25);
});

Deno.test("server metrics: Triton's pending requests and queue time, TensorRT-LLM's active requests", async () => {
  const { m, warnings } = await levelOf((k) =>
    // Two models' pending requests add up.
    gauge("nv_inference_pending_request_count", k, '{model="a",version="1"}') +
    'nv_inference_pending_request_count{model="b",version="1"} 1\n' +
    // One family, the request kind in a label: only "active" requests run.
    `# TYPE nv_trt_llm_request_metrics gauge\n` +
    `nv_trt_llm_request_metrics{model="a",request_type="active",version="1"} ${2 + k}\n` +
    `nv_trt_llm_request_metrics{model="a",request_type="max",version="1"} 64\n` +
    // Cumulative µs in the queue over successful requests: a mean, no percentiles.
    `# TYPE nv_inference_queue_duration_us counter\n` +
    `nv_inference_queue_duration_us{model="a",version="1"} ${2000 * k}\n` +
    `# TYPE nv_inference_request_success counter\n` +
    `nv_inference_request_success{model="a",version="1"} ${10 * k}\n` +
    histogram(
      "nv_inference_first_response_histogram_ms",
      [["100", 10 * k], ["+Inf", 10 * k]],
      500 * k,
    )
  );
  assert.deepEqual(warnings, []);
  close(m.waiting?.avg, 2.5);
  close(m.running?.avg, 3.5);
  close(m.running?.max, 4);
  assert.equal(m.queueMs?.count, 30);
  close(m.queueMs?.avg, 0.2);
  assert.ok(Number.isNaN(m.queueMs?.p50) && Number.isNaN(m.queueMs?.p99));
  // Triton's histogram is in ms: 30 first responses of 50 ms on average, all below 100 ms.
  assert.equal(m.ttftMs?.count, 30);
  close(m.ttftMs?.avg, 50);
  close(m.ttftMs?.p50, 50);
});

Deno.test("server metrics: an endpoint with none of the names is said once", async () => {
  const { m, warnings } = await levelOf(() => gauge("process_cpu_seconds_total", 1));
  assert.deepEqual(warnings, [
    "Warning: no vLLM, SGLang, TGI or Triton metric found at http://127.0.0.1:9400.",
  ]);
  assert.equal(m.running, undefined);
  assert.equal(m.ttftMs, undefined);
});
