/**
 * Options of the OpenAI-compatible mock (docs/protocols.md §7): its timing model, wire variants,
 * framing chaos and faults. Every random draw comes from `seed`, so a run repeats exactly.
 */
import { checkComputeTime, type ComputeTime } from "../options.ts";

/**
 * A fault a request may meet. "429", "500", "503": that HTTP status with OpenAI's error body,
 * before any streaming. The rest hit streams only, after `faultAfterEvents` token events:
 * "error" writes vLLM's `data: {"error": {...}}` event then `data: [DONE]`; "truncate" ends the
 * body cleanly without `[DONE]`; "abort" drops the connection mid-body.
 */
export type OpenAiFault = "429" | "500" | "503" | "error" | "truncate" | "abort";

export const OPENAI_FAULTS: readonly OpenAiFault[] = [
  "429",
  "500",
  "503",
  "error",
  "truncate",
  "abort",
];

export const OPENAI_USAGES = ["request", "none", "final", "continuous"] as const;
/** Where usage goes in a stream. "request": as the request's `stream_options` ask. */
export type OpenAiUsage = (typeof OPENAI_USAGES)[number];

export const OPENAI_ROLE_CHUNKS = ["immediate", "first", "none"] as const;

/**
 * The role-only first chat chunk: "immediate" when the request takes a slot (vLLM),
 * "first" in the same write as the first token, "none" never.
 */
export type OpenAiRoleChunk = (typeof OPENAI_ROLE_CHUNKS)[number];

export interface OpenAiOptions {
  /** The one model /v1/models lists; requests naming another get 404. Default "mock-llm". */
  model?: string;
  /** Seed of every draw (tokens, delays, chaos, faults), per request index. Default 1. */
  seed?: number;
  /** Time to first token, counted from when the request takes a slot. Default 0. */
  ttftUs?: ComputeTime;
  /** Gap between consecutive token events. Default 0. */
  itlUs?: ComputeTime;
  /** Output tokens of a request that sets neither max_tokens nor max_completion_tokens. Default 16. */
  outputTokens?: number;
  /**
   * Without `ignore_eos` the reply stops ("stop") after this many tokens, but not before
   * `min_tokens`. Default: never; the reply runs to its token limit.
   */
  eosAfter?: number;
  /**
   * Every reply stops ("stop") after at most this many tokens, whatever `max_tokens`,
   * `min_tokens` and `ignore_eos` ask: a server that does not honour a pinned output length.
   * Default: never.
   */
  stopAfter?: number;
  /** Requests generating at once; the rest wait in arrival order (TTFT grows). Default 64. */
  slots?: number;
  /** Tokens per token event (speculative decoding, server-side buffering). Default 1. */
  tokensPerEvent?: number;
  /** Default "immediate". */
  roleChunk?: OpenAiRoleChunk;
  /** Chat: the first N output tokens come as `reasoning_content`. Default 0. */
  reasoningTokens?: number;
  /** finish_reason rides on the last token chunk instead of its own empty-delta chunk. */
  finishOnLast?: boolean;
  /** Default "request". "continuous" also sends the final usage chunk. */
  usage?: OpenAiUsage;
  /** Probability that a write is cut at a random byte, the rest going with the next write. */
  splitProbability?: number;
  /** Token events coalesced into one write. Default 1. */
  eventsPerWrite?: number;
  /** CRLF line ends instead of LF. */
  crlf?: boolean;
  /** Mix multi-byte UTF-8 words into the tokens, so chaos cuts can split a code point. */
  unicodeTokens?: boolean;
  /**
   * Probability of each fault per request; a request meets at most one. A request's
   * `x-mock-fault: <fault>` header forces one.
   */
  faults?: Partial<Record<OpenAiFault, number>>;
  /** Token events written before a mid-stream fault. Default 1. */
  faultAfterEvents?: number;
  /** Length of each embedding vector. Default 8. */
  embeddingDims?: number;
  /** Keep per-request ground truth (default true); off for long benchmark runs. */
  truth?: boolean;
  /**
   * Which events the ground truth keeps: "every" (default) or "first", only the first event
   * with output tokens (a benchmark's TTFT) plus the event count, so the mock's own cost stays
   * off the clients' measurement.
   */
  truthEvents?: "every" | "first";
  /**
   * Added to every `usage.completion_tokens` the mock reports (final, continuous and whole
   * replies), never below 0, so usage disagrees with the text by a known amount: a server
   * whose usage counts what its text does not (EOS, hidden tokens). Default 0.
   */
  usageOffset?: number;
}

export type ResolvedOpenAi = Required<Omit<OpenAiOptions, "eosAfter" | "stopAfter" | "faults">> & {
  eosAfter: number | undefined;
  stopAfter: number | undefined;
  /** Fault probabilities in OPENAI_FAULTS order. */
  faults: number[];
};

function checkInteger(name: string, n: number, min: number): void {
  if (!Number.isSafeInteger(n) || n < min) {
    throw new RangeError(`Invalid openai.${name} ${n}: expected an integer >= ${min}`);
  }
}

function checkProbability(name: string, p: number): void {
  if (!(p >= 0 && p <= 1)) {
    throw new RangeError(`Invalid openai.${name} ${p}: expected a probability in 0..1`);
  }
}

/** Fills defaults and rejects impossible values with a RangeError naming the option. */
export function resolveOpenAi(o: OpenAiOptions = {}): ResolvedOpenAi {
  const r: ResolvedOpenAi = {
    model: o.model ?? "mock-llm",
    seed: o.seed ?? 1,
    ttftUs: o.ttftUs ?? 0,
    itlUs: o.itlUs ?? 0,
    outputTokens: o.outputTokens ?? 16,
    eosAfter: o.eosAfter,
    stopAfter: o.stopAfter,
    slots: o.slots ?? 64,
    tokensPerEvent: o.tokensPerEvent ?? 1,
    roleChunk: o.roleChunk ?? "immediate",
    reasoningTokens: o.reasoningTokens ?? 0,
    finishOnLast: o.finishOnLast ?? false,
    usage: o.usage ?? "request",
    splitProbability: o.splitProbability ?? 0,
    eventsPerWrite: o.eventsPerWrite ?? 1,
    crlf: o.crlf ?? false,
    unicodeTokens: o.unicodeTokens ?? false,
    faults: OPENAI_FAULTS.map((f) => o.faults?.[f] ?? 0),
    faultAfterEvents: o.faultAfterEvents ?? 1,
    embeddingDims: o.embeddingDims ?? 8,
    truth: o.truth ?? true,
    truthEvents: o.truthEvents ?? "every",
    usageOffset: o.usageOffset ?? 0,
  };
  if (r.model === "") throw new RangeError("Invalid openai.model: expected a non-empty name");
  checkInteger("seed", r.seed, 0);
  checkComputeTime(r.ttftUs, "openai.ttftUs");
  checkComputeTime(r.itlUs, "openai.itlUs");
  checkInteger("outputTokens", r.outputTokens, 1);
  if (r.eosAfter !== undefined) checkInteger("eosAfter", r.eosAfter, 1);
  if (r.stopAfter !== undefined) checkInteger("stopAfter", r.stopAfter, 1);
  checkInteger("slots", r.slots, 1);
  checkInteger("tokensPerEvent", r.tokensPerEvent, 1);
  checkInteger("reasoningTokens", r.reasoningTokens, 0);
  checkInteger("eventsPerWrite", r.eventsPerWrite, 1);
  checkInteger("faultAfterEvents", r.faultAfterEvents, 0);
  checkInteger("embeddingDims", r.embeddingDims, 1);
  checkInteger("usageOffset", r.usageOffset, Number.MIN_SAFE_INTEGER);
  checkProbability("splitProbability", r.splitProbability);
  if (!OPENAI_ROLE_CHUNKS.includes(r.roleChunk)) {
    throw new RangeError(
      `Invalid openai.roleChunk ${r.roleChunk}: expected ${OPENAI_ROLE_CHUNKS.join("|")}`,
    );
  }
  if (r.truthEvents !== "every" && r.truthEvents !== "first") {
    throw new RangeError(`Invalid openai.truthEvents ${r.truthEvents}: expected every|first`);
  }
  if (!OPENAI_USAGES.includes(r.usage)) {
    throw new RangeError(`Invalid openai.usage ${r.usage}: expected ${OPENAI_USAGES.join("|")}`);
  }
  for (const key of Object.keys(o.faults ?? {})) {
    if (!OPENAI_FAULTS.includes(key as OpenAiFault)) {
      throw new RangeError(`Invalid openai.faults key ${key}: expected ${OPENAI_FAULTS.join("|")}`);
    }
  }
  r.faults.forEach((p, i) => checkProbability(`faults.${OPENAI_FAULTS[i]}`, p));
  if (r.faults.reduce((a, b) => a + b, 0) > 1) {
    throw new RangeError("Invalid openai.faults: the probabilities add up to more than 1");
  }
  return r;
}
