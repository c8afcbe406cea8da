/** The reference server's --openai-* flags (server/cli.ts delegates them here). */
import { bad, integer, parseComputeUs } from "../cli.ts";
import {
  OPENAI_FAULTS,
  OPENAI_ROLE_CHUNKS,
  OPENAI_USAGES,
  type OpenAiFault,
  type OpenAiOptions,
} from "./options.ts";

export const OPENAI_USAGE =
  `OpenAI mock (GET /v1/models, POST /v1/chat/completions, /v1/completions, /v1/embeddings):
  --openai-model NAME           the one model served (default mock-llm)
  --openai-seed N               seed of every draw, per request index (default 1)
  --openai-ttft-us D            time to first token from taking a slot (default 0); D as for
                                --compute-us
  --openai-itl-us D             gap between token events (default 0)
  --openai-output-tokens N      tokens when the request sets no max_tokens (default 16)
  --openai-eos-after N          without ignore_eos, stop after N tokens (>= min_tokens)
  --openai-slots N              requests generating at once; the rest queue (default 64)
  --openai-tokens-per-event K   tokens per token event (default 1)
  --openai-role-chunk R         immediate | first | none (default immediate)
  --openai-reasoning-tokens N   chat: first N tokens as reasoning_content (default 0)
  --openai-finish-on-last       finish_reason on the last token chunk, no empty-delta chunk
  --openai-usage U              request | none | final | continuous (default request:
                                as stream_options asks)
  --openai-split P              probability a write is cut at a random byte (default 0)
  --openai-events-per-write N   token events per write (default 1)
  --openai-crlf                 CRLF line ends
  --openai-unicode              mix multi-byte UTF-8 words into the tokens
  --openai-fault KIND:P         fault probability per request, repeatable; KIND is
                                ${OPENAI_FAULTS.join(" | ")}
  --openai-fault-after N        token events before a mid-stream fault (default 1)
  --openai-embedding-dims N     embedding length (default 8)
  --openai-usage-offset N       added to every usage.completion_tokens (may be negative;
                                default 0): usage that disagrees with the text
  --openai-no-truth             keep no per-request ground truth (long benchmarks)`;

export const OPENAI_SWITCHES = [
  "--openai-finish-on-last",
  "--openai-crlf",
  "--openai-unicode",
  "--openai-no-truth",
];

export const OPENAI_WITH_VALUE = [
  "--openai-model",
  "--openai-seed",
  "--openai-ttft-us",
  "--openai-itl-us",
  "--openai-output-tokens",
  "--openai-eos-after",
  "--openai-slots",
  "--openai-tokens-per-event",
  "--openai-role-chunk",
  "--openai-reasoning-tokens",
  "--openai-usage",
  "--openai-split",
  "--openai-events-per-write",
  "--openai-fault",
  "--openai-fault-after",
  "--openai-embedding-dims",
  "--openai-usage-offset",
];

const MAX = Number.MAX_SAFE_INTEGER;

function probability(flag: string, value: string): number {
  const p = /^(0|1)(\.\d+)?$/.test(value) ? Number(value) : NaN;
  if (!(p >= 0 && p <= 1)) throw bad(flag, value, "a probability in 0..1");
  return p;
}

function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) throw bad(flag, value, allowed.join(" | "));
  return value as T;
}

/** Applies one --openai-* flag (switches get value ""); throws CliError naming it. */
export function applyOpenAiFlag(o: OpenAiOptions, flag: string, value: string): void {
  switch (flag) {
    case "--openai-finish-on-last":
      o.finishOnLast = true;
      return;
    case "--openai-crlf":
      o.crlf = true;
      return;
    case "--openai-unicode":
      o.unicodeTokens = true;
      return;
    case "--openai-no-truth":
      o.truth = false;
      return;
    case "--openai-model":
      if (value === "") throw bad(flag, value, "a model name");
      o.model = value;
      return;
    case "--openai-seed":
      o.seed = integer(flag, value, 0, MAX);
      return;
    case "--openai-ttft-us":
      o.ttftUs = parseComputeUs(value, flag);
      return;
    case "--openai-itl-us":
      o.itlUs = parseComputeUs(value, flag);
      return;
    case "--openai-output-tokens":
      o.outputTokens = integer(flag, value, 1, MAX);
      return;
    case "--openai-eos-after":
      o.eosAfter = integer(flag, value, 1, MAX);
      return;
    case "--openai-slots":
      o.slots = integer(flag, value, 1, MAX);
      return;
    case "--openai-tokens-per-event":
      o.tokensPerEvent = integer(flag, value, 1, MAX);
      return;
    case "--openai-role-chunk":
      o.roleChunk = oneOf(flag, value, OPENAI_ROLE_CHUNKS);
      return;
    case "--openai-reasoning-tokens":
      o.reasoningTokens = integer(flag, value, 0, MAX);
      return;
    case "--openai-usage":
      o.usage = oneOf(flag, value, OPENAI_USAGES);
      return;
    case "--openai-split":
      o.splitProbability = probability(flag, value);
      return;
    case "--openai-events-per-write":
      o.eventsPerWrite = integer(flag, value, 1, MAX);
      return;
    case "--openai-fault": {
      const colon = value.lastIndexOf(":");
      const kind = value.slice(0, colon);
      if (colon < 0 || !OPENAI_FAULTS.includes(kind as OpenAiFault)) {
        throw bad(flag, value, `KIND:P with KIND ${OPENAI_FAULTS.join(" | ")}`);
      }
      (o.faults ??= {})[kind as OpenAiFault] = probability(flag, value.slice(colon + 1));
      return;
    }
    case "--openai-fault-after":
      o.faultAfterEvents = integer(flag, value, 0, MAX);
      return;
    case "--openai-embedding-dims":
      o.embeddingDims = integer(flag, value, 1, MAX);
      return;
    case "--openai-usage-offset": {
      const n = /^-?\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isSafeInteger(n)) throw bad(flag, value, "an integer");
      o.usageOffset = n;
      return;
    }
  }
}
