/**
 * What an OpenAI-compatible reply says, read from its parsed JSON (docs/protocols.md §7.3,
 * §7.4): one stream chunk or one whole non-streaming body. Chat chunks carry `delta.content`,
 * `delta.reasoning_content` (vLLM; newer servers `delta.reasoning`) or `delta.tool_calls`;
 * completions chunks `text`; either may carry `usage` (the final chunk, or every chunk with
 * continuous usage) or, mid-stream, vLLM's `{"error": {...}}`.
 */

/** The kind of one stream event, as the metrics need it. */
export type ChunkKind =
  | "role"
  | "content"
  | "reasoning"
  | "tool_call"
  | "usage"
  | "error"
  | "other";

/** One parsed chunk, read into reusable fields (one object per channel). */
export class ChunkReading {
  kind: ChunkKind = "other";
  /** The text the chunk carried (content, reasoning, tool-call arguments), "" when none. */
  text = "";
  /** The content part of `text` alone (what a chat history keeps as the assistant's reply). */
  content = "";
  /** usage.completion_tokens / prompt_tokens when the chunk had usage, else -1. */
  completionTokens = -1;
  promptTokens = -1;
  /** The error's message for kind "error". */
  error = "";

  /** Reads a stream chunk (`delta`) or a whole reply (`message`). */
  read(json: unknown): void {
    this.kind = "other";
    this.text = "";
    this.content = "";
    this.completionTokens = -1;
    this.promptTokens = -1;
    this.error = "";
    if (!isRecord(json)) return;
    if (json.error !== undefined && json.error !== null) {
      this.kind = "error";
      this.error = errorMessage(json.error);
      return;
    }
    const usage = json.usage;
    if (isRecord(usage)) {
      if (typeof usage.completion_tokens === "number") {
        this.completionTokens = usage.completion_tokens;
      }
      if (typeof usage.prompt_tokens === "number") this.promptTokens = usage.prompt_tokens;
    }
    const choices = json.choices;
    let role = false;
    if (Array.isArray(choices)) {
      for (const c of choices) {
        if (!isRecord(c)) continue;
        const m = isRecord(c.delta) ? c.delta : isRecord(c.message) ? c.message : undefined;
        if (typeof c.text === "string") this.#add("content", c.text);
        if (m === undefined) continue;
        if (typeof m.role === "string") role = true;
        if (typeof m.reasoning_content === "string") this.#add("reasoning", m.reasoning_content);
        if (typeof m.reasoning === "string") this.#add("reasoning", m.reasoning);
        if (typeof m.content === "string") this.#add("content", m.content);
        if (Array.isArray(m.tool_calls)) {
          for (const t of m.tool_calls) {
            const f = isRecord(t) && isRecord(t.function) ? t.function : undefined;
            const args = typeof f?.arguments === "string" ? f.arguments : "";
            const name = typeof f?.name === "string" ? f.name : "";
            // A tool-call delta is output even when its text is empty (the call's opening).
            this.#add("tool_call", name + args, true);
          }
        }
      }
    }
    if (this.kind !== "other") return;
    if (role) this.kind = "role";
    else if (this.completionTokens >= 0) this.kind = "usage";
  }

  /** True when the chunk carried output (content, reasoning or a tool call). */
  get bearsTokens(): boolean {
    return this.kind === "content" || this.kind === "reasoning" || this.kind === "tool_call";
  }

  #add(kind: ChunkKind, text: string, evenEmpty = false): void {
    if (text === "" && !evenEmpty) return;
    // The first output kind names the chunk (reasoning before content in one chunk is rare).
    if (this.kind === "other") this.kind = kind;
    this.text += text;
    if (kind === "content") this.content += text;
  }
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** OpenAI's `{"error": {"message"}}`, a bare string, or the JSON of whatever else it is. */
export function errorMessage(error: unknown): string {
  if (typeof error === "string") return error;
  if (isRecord(error) && typeof error.message === "string") return error.message;
  return JSON.stringify(error);
}

/**
 * The text of an error reply: the server's message (OpenAI `{"error": {...}}`, vLLM's
 * `{"object": "error", "message"}`, FastAPI's `{"detail"}`), else an excerpt of the body.
 */
export function errorReplyText(status: number, body: string): string {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch { /* an excerpt is shown instead */ }
  let message = "";
  if (isRecord(json)) {
    if (json.error !== undefined && json.error !== null) message = errorMessage(json.error);
    else if (typeof json.message === "string") message = json.message;
    else if (json.detail !== undefined) message = errorMessage(json.detail);
  }
  if (message === "") message = body.trim().slice(0, 200);
  return message === "" ? `HTTP ${status}` : `HTTP ${status}: ${message}`;
}
