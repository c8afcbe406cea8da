/** Test helpers: POST to the mock and read a reply as SSE events timed at their last byte. */

export interface ReceivedEvent {
  /** The `data` field (lines joined with "\n"). */
  data: string;
  /** nowNs()-clock time of the read that completed the event. */
  ns: number;
}

export interface Received {
  status: number;
  headers: Headers;
  events: ReceivedEvent[];
  /** The whole body as text. */
  text: string;
  /** Reads that delivered bytes. */
  reads: number;
  /** The body ended with an error (a dropped connection). */
  failed: boolean;
}

export function post(
  url: string,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<Response> {
  return fetch(`http://${url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
    signal,
  });
}

/** Reads the body to its end, splitting SSE events (LF or CRLF) as their bytes arrive. */
export async function receive(res: Response): Promise<Received> {
  const decoder = new TextDecoder();
  const events: ReceivedEvent[] = [];
  let text = "";
  let pending = "";
  let reads = 0;
  let failed = false;
  const reader = res.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const ns = Math.round(performance.now() * 1e6);
      reads++;
      const chunk = decoder.decode(value, { stream: true });
      text += chunk;
      pending += chunk.replaceAll("\r\n", "\n");
      for (let end = pending.indexOf("\n\n"); end >= 0; end = pending.indexOf("\n\n")) {
        const block = pending.slice(0, end);
        pending = pending.slice(end + 2);
        const data = block.split("\n").filter((l) => l.startsWith("data:"))
          .map((l) => l.slice(l.startsWith("data: ") ? 6 : 5)).join("\n");
        events.push({ data, ns });
      }
    }
  } catch {
    failed = true;
  }
  return { status: res.status, headers: res.headers, events, text, reads, failed };
}

export const CHAT = "/v1/chat/completions";

export function chat(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    model: "mock-llm",
    messages: [{ role: "user", content: "one two three four" }],
    ...extra,
  };
}
