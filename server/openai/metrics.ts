/**
 * The OpenAI mock's `GET /metrics`: vLLM's Prometheus metric names, from the mock's real state.
 * Gauges read the slots at the scrape (running = requests holding a slot, waiting = requests
 * queued for one, KV-cache usage = running / slots, as a full batch fills vLLM's cache);
 * histograms and counters grow as requests finish, with the same values the ground truth holds
 * (time to first token from arrival to the first token event, every gap between token events,
 * arrival to end), so a client's per-level deltas are exact.
 */
import type { OpenAiRequestTruth } from "./truth.ts";

/** vLLM's bucket bounds (seconds) for time to first token. */
const TTFT_BUCKETS = [
  0.001,
  0.005,
  0.01,
  0.02,
  0.04,
  0.06,
  0.08,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
  20,
  40,
  80,
  160,
  640,
  2560,
];
/** vLLM's bucket bounds (seconds) for time per output token. */
const TPOT_BUCKETS = [
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.15,
  0.2,
  0.3,
  0.4,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
  20,
  40,
  80,
];
/** vLLM's bucket bounds (seconds) for the whole request. */
const E2E_BUCKETS = [0.3, 0.5, 0.8, 1, 1.5, 2, 2.5, 5, 10, 15, 20, 30, 40, 50, 60, 120, 240, 480];

class Histogram {
  readonly counts: number[];
  count = 0;
  sum = 0;

  constructor(readonly bounds: readonly number[]) {
    this.counts = bounds.map(() => 0);
  }

  observe(v: number): void {
    this.count++;
    this.sum += v;
    const i = this.bounds.findIndex((b) => v <= b);
    if (i >= 0) this.counts[i]++;
  }

  /** Prometheus text lines: cumulative buckets, +Inf, _sum, _count. */
  lines(name: string, labels: string): string[] {
    const out: string[] = [];
    let cumulative = 0;
    this.bounds.forEach((b, i) => {
      cumulative += this.counts[i];
      out.push(`${name}_bucket{${labels},le="${b}"} ${cumulative}`);
    });
    out.push(`${name}_bucket{${labels},le="+Inf"} ${this.count}`);
    out.push(`${name}_sum{${labels}} ${this.sum}`);
    out.push(`${name}_count{${labels}} ${this.count}`);
    return out;
  }
}

/** What the gauges read at a scrape. */
export interface SlotState {
  running: number;
  waiting: number;
  slots: number;
}

const isToken = (kind: string) => kind === "content" || kind === "reasoning";

export class VllmMetrics {
  readonly #ttft = new Histogram(TTFT_BUCKETS);
  readonly #tpot = new Histogram(TPOT_BUCKETS);
  readonly #e2e = new Histogram(E2E_BUCKETS);
  #promptTokens = 0;
  #generationTokens = 0;
  #success = 0;

  constructor(private readonly model: string) {}

  /** Folds a finished request in; failed ones (an error status, a fault) count nowhere. */
  finished(t: OpenAiRequestTruth): void {
    if (t.status !== 200 || t.fault !== "none" || t.cancelled) return;
    this.#success++;
    this.#promptTokens += t.promptTokens;
    this.#generationTokens += t.completionTokens;
    this.#e2e.observe((t.endNs - t.arrivalNs) / 1e9);
    let previous = -1;
    for (const e of t.events) {
      if (!isToken(e.kind)) continue;
      if (previous < 0) this.#ttft.observe((e.ns - t.arrivalNs) / 1e9);
      else this.#tpot.observe((e.ns - previous) / 1e9);
      previous = e.ns;
    }
  }

  /** The exposition text (format 0.0.4). */
  render(state: SlotState): string {
    const labels = `model_name="${this.model.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
    const family = (name: string, type: string, help: string) => [
      `# HELP ${name} ${help}`,
      `# TYPE ${name} ${type}`,
    ];
    const lines = [
      ...family("vllm:num_requests_running", "gauge", "Number of requests in model execution."),
      `vllm:num_requests_running{${labels}} ${state.running}`,
      ...family("vllm:num_requests_waiting", "gauge", "Number of requests waiting."),
      `vllm:num_requests_waiting{${labels}} ${state.waiting}`,
      ...family("vllm:gpu_cache_usage_perc", "gauge", "KV-cache usage. 1 means 100 percent."),
      `vllm:gpu_cache_usage_perc{${labels}} ${state.running / state.slots}`,
      ...family("vllm:prompt_tokens_total", "counter", "Number of prefill tokens processed."),
      `vllm:prompt_tokens_total{${labels}} ${this.#promptTokens}`,
      ...family("vllm:generation_tokens_total", "counter", "Number of generation tokens."),
      `vllm:generation_tokens_total{${labels}} ${this.#generationTokens}`,
      ...family("vllm:request_success_total", "counter", "Count of successful requests."),
      `vllm:request_success_total{${labels}} ${this.#success}`,
      ...family(
        "vllm:time_to_first_token_seconds",
        "histogram",
        "Histogram of time to first token in seconds.",
      ),
      ...this.#ttft.lines("vllm:time_to_first_token_seconds", labels),
      ...family(
        "vllm:time_per_output_token_seconds",
        "histogram",
        "Histogram of time per output token in seconds.",
      ),
      ...this.#tpot.lines("vllm:time_per_output_token_seconds", labels),
      ...family(
        "vllm:e2e_request_latency_seconds",
        "histogram",
        "Histogram of end to end request latency in seconds.",
      ),
      ...this.#e2e.lines("vllm:e2e_request_latency_seconds", labels),
    ];
    return lines.join("\n") + "\n";
  }
}
