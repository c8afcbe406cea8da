/**
 * --help's definitions of the token metrics, which a run reports when its service kind's
 * responses are tokens (capability `units: "tokens"`). GenAI-Perf's names and definitions;
 * the two extras are marked as such. Same text as docs/perf_analyzer.md §7.1.
 */
import type { HelpEntry } from "./help_table.ts";

export const TOKEN_METRICS_TITLE =
  "Token metrics, GenAI-Perf's definitions (service kinds whose responses are tokens: a table " +
  'after each level and, with -f, "<stem>_genai_perf.csv"; "start" is the intended send time, ' +
  "the actual one with --latency-from actual; failed requests feed none):";

export const TOKEN_METRICS_HELP: readonly Omit<HelpEntry, "id">[] = [
  {
    flags: "Time To First Token",
    def: "",
    text: "First token-bearing event (content, reasoning or a tool call; not a role-only, " +
      "usage-only or [DONE] event) − start.",
  },
  { flags: "Time To Second Token", def: "", text: "Second token-bearing event − first." },
  { flags: "Request Latency", def: "", text: "Last token-bearing event − start." },
  {
    flags: "Inter Token Latency",
    def: "",
    text: "(request latency − time to first token) / (output tokens − 1), per request with " +
      "2 output tokens or more in 2 events or more (vLLM calls it TPOT).",
  },
  {
    flags: "Output Token Throughput Per User",
    def: "",
    text: "1 / inter token latency of each request, tokens/s.",
  },
  {
    flags: "Output/Input Sequence Length",
    def: "",
    text: "Tokens per request: a client tokenizer's count (the kind's own flag), else the " +
      "server's usage count, else the tokens the events carried. A line under the table says " +
      "which, and, when a request had both a tokenizer count and usage, how they differ " +
      "(totals, requests that differ, the largest difference).",
  },
  {
    flags: "Output Token Throughput",
    def: "",
    text: "Output tokens of the successful requests / window duration; Request Throughput " +
      "the same for requests.",
  },
  {
    flags: "Inter Chunk Latency",
    def: "",
    text: "Extra: every gap between consecutive token-bearing events, all requests pooled " +
      "(vLLM calls it ITL).",
  },
  {
    flags: "Tokens Per Event",
    def: "",
    text: "Extra: tokens of each token-bearing event: exact when a client tokenizer places each " +
      "of its tokens in the event that completed it, or from the server's usage in every event; " +
      "else each event counts one.",
  },
];
