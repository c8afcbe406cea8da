/**
 * The mock's exact ground truth: per request, what it wrote and when. Times are integer
 * nanoseconds of `nowNs()` (server/models/stats.ts) in the server's thread; the Worker proxy
 * shifts them onto the caller's clock, so tests compare them with their own readings directly.
 */
import type { OpenAiFault } from "./options.ts";

/**
 * What an SSE event held: a role-only chunk, reasoning or content tokens, the finish chunk
 * (empty delta), the usage chunk (empty choices), vLLM's error event, `[DONE]`; "json" is a
 * whole non-streaming body (an error body too).
 */
export type OpenAiEventKind =
  | "role"
  | "reasoning"
  | "content"
  | "finish"
  | "usage"
  | "error"
  | "done"
  | "json";

export interface OpenAiEventTruth {
  /** When the write that held the event's last byte was handed to the connection. */
  ns: number;
  /**
   * When the plan wanted that write (slot start + drawn delays, moved past a stall): `ns - dueNs`
   * is the server's own lateness, which timer granularity and load decide.
   */
  dueNs: number;
  kind: OpenAiEventKind;
  /** Output tokens in the event (0 for role, finish, usage, error, done). */
  tokens: number;
  /** The event's `data` field as written (`[DONE]` included); a whole reply's body. */
  data: string;
}

export type OpenAiEndpoint = "chat" | "completions" | "embeddings";

export interface OpenAiRequestTruth {
  /** Arrival order from 0; it keys every seeded draw of the request. */
  index: number;
  /** The `id` of the reply ("chatcmpl-<index>", "cmpl-<index>", "embd-<index>"). */
  id: string;
  /** The request's `x-request-id` header, or null. */
  requestId: string | null;
  endpoint: OpenAiEndpoint;
  stream: boolean;
  /** The HTTP status sent. */
  status: number;
  /** The fault the request met, or "none". */
  fault: OpenAiFault | "none";
  /** The request body was read and parsed. */
  arrivalNs: number;
  /** The request took a slot (arrivalNs when one was free); a status fault never takes one. */
  startNs: number;
  /** The streamed reply's headers were handed over (for non-streaming replies, with the body). */
  headersNs: number;
  /** Every event, in order; with truthEvents "first" only the first one with output tokens. */
  events: OpenAiEventTruth[];
  /** Events written ([DONE] included), whichever `events` keeps. */
  eventCount: number;
  /** Time of every write; with framing chaos a write holds several events or part of one. */
  writeNs: number[];
  /** The body ended: last write, clean close, abort, or the client going away. */
  endNs: number;
  promptTokens: number;
  /**
   * Chat: the messages received, each role with its text (a list of content parts as their
   * texts joined), so tests see the history a client sent. [] for other endpoints.
   */
  messages: { role: string; content: string }[];
  /** Completions: the prompt received when it is one string, else "". */
  prompt: string;
  /** The content text written (reasoning not included): what a client keeps as the reply. */
  content: string;
  /** Output tokens written (reasoning included), for embeddings 0. */
  completionTokens: number;
  /** Tokens the reply was planned to hold (more than written when a fault cut it). */
  plannedTokens: number;
  /** The finish_reason sent, or null (faults, embeddings). */
  finishReason: "stop" | "length" | null;
  /** The client went away before the body ended. */
  cancelled: boolean;
}

/** Finished requests, kept until read with `clear`. */
export class TruthStore {
  #done: OpenAiRequestTruth[] = [];

  constructor(readonly enabled: boolean) {}

  add(t: OpenAiRequestTruth): void {
    if (this.enabled) this.#done.push(t);
  }

  /** Finished requests in arrival order; `clear` forgets them afterwards. */
  read(clear: boolean): OpenAiRequestTruth[] {
    const out = this.#done.slice().sort((a, b) => a.index - b.index);
    if (clear) this.#done = [];
    return out;
  }
}
