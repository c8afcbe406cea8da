/**
 * One multi-turn session (--session-concurrency, docs/perf_analyzer.md §2.10): every turn is
 * sent with the history so far. For v1/chat/completions the history is the earlier turns' own
 * messages, each followed by `{"role": "assistant", "content": <reply>}` with the content the
 * server actually streamed or returned (reasoning and tool calls are not sent back, as OpenAI's
 * clients do not send them); for v1/completions, the earlier prompts each followed by its
 * reply, then this turn's prompt, as one text. A turn's body is built and encoded when it is
 * sent, since it depends on the reply before it: one allocation per turn, not per event.
 */
import type { Conversation, RequestSpec, SessionInputs } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import type { OpenAiEndpointPath } from "./options.ts";
import { encodeOpenAiBody, type OpenAiEncoding, PreparedOpenAi, requestBody } from "./request.ts";

type Body = Record<string, unknown>;

/** What carries a turn's input, checked for every turn before any is sent. */
function checkTurn(body: Body, endpoint: OpenAiEndpointPath, k: number): void {
  const where = `session turn ${k}`;
  if (endpoint === "v1/embeddings") {
    throw new RunError(
      "--session-concurrency needs --endpoint v1/chat/completions or v1/completions: " +
        "embeddings have no reply to carry into the next turn",
    );
  }
  if (endpoint === "v1/chat/completions" && !Array.isArray(body.messages)) {
    throw new RunError(`${where}: the payload needs a "messages" list to add the history to`);
  }
  if (endpoint === "v1/completions" && typeof body.prompt !== "string") {
    throw new RunError(`${where}: the payload needs a string "prompt" to add the history to`);
  }
}

export class OpenAiConversation implements Conversation<PreparedOpenAi> {
  readonly #bodies: Body[];
  /** Chat: the messages so far, assistant replies included. */
  readonly #messages: unknown[] = [];
  /** Completions: the prompts and replies so far, as one text. */
  #text = "";
  /** The content of the reply to the turn sent last, as the channel received it. */
  readonly #reply: string[] = [];
  #next = 0;

  constructor(
    turns: readonly RequestSpec[],
    private readonly enc: OpenAiEncoding,
    private readonly countInput?: (text: string) => number,
    /** The data's session id and delays, exported with each turn's payload when given. */
    private readonly session?: SessionInputs,
  ) {
    this.#bodies = turns.map((spec) => requestBody(spec, enc));
    this.#bodies.forEach((body, k) => checkTurn(body, enc.endpoint, k));
  }

  turn(k: number): PreparedOpenAi {
    if (k !== this.#next) {
      throw new RangeError(
        `session turns are played in order: asked for ${k}, next is ${this.#next}`,
      );
    }
    this.#next++;
    const reply = this.#reply.join("");
    this.#reply.length = 0;
    const own = this.#bodies[k];
    let body: Body;
    if (this.enc.endpoint === "v1/chat/completions") {
      if (k > 0) this.#messages.push({ role: "assistant", content: reply });
      const mine = own.messages as unknown[];
      body = { ...own, messages: [...this.#messages, ...mine] };
      this.#messages.push(...mine);
    } else {
      if (k > 0) this.#text += reply;
      body = { ...own, prompt: this.#text + (own.prompt as string) };
      this.#text += own.prompt as string;
    }
    const s = this.session;
    const delay = s?.delaysMs[k];
    const inputs = s === undefined
      ? null
      : delay === undefined
      ? { session_id: s.id }
      : { session_id: s.id, delay };
    const prepared = encodeOpenAiBody(body, this.enc, this.countInput, this.#reply, inputs);
    if (this.#next === this.#bodies.length) {
      // The last turn: nothing will read the history again, so a finished session holds none.
      this.#messages.length = 0;
      this.#text = "";
    }
    return prepared;
  }
}
