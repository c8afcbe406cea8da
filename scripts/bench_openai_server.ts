/**
 * The reference server's OpenAI mock as the LLM bench's own process (scripts/bench_openai.ts):
 * zero time to first token and zero inter-token gaps, every request generating at once (no
 * slot queue), each reply written whole in one write, so the clients, not the mock's timing
 * model, set the pace. By default on the mock's own HTTP/1.1 transport (server/openai/raw.ts),
 * which stamps a reply's ground truth when its one write has reached the socket; `--transport
 * deno` serves it through the reference server's Deno.serve listener instead (stamped when made).
 *
 * It prints `url HOST:PORT` once listening, then answers each `truth` line on stdin with one
 * JSON line: what the mock recorded per request (its x-request-id, arrival order, when it wrote
 * the first token), times in nanoseconds since the epoch millisecond given as --base-ms, so
 * another process can compare them with its own readings. It exits when stdin closes.
 *
 * Run: deno run -A scripts/bench_openai_server.ts --base-ms MS --slots N [--no-truth]
 *   [--transport raw|deno]
 */
import { parseArgs } from "node:util";
import { startServer } from "../server/server.ts";
import { type OpenAiOptions, resolveOpenAi } from "../server/openai/options.ts";
import { serveRaw } from "../server/openai/raw.ts";
import { nowNs } from "../server/models/stats.ts";
import type { OpenAiRequestTruth } from "../server/openai/truth.ts";

/** What the bench needs of one request the mock served. */
export interface MockRequest {
  /** The request's x-request-id header ("" when it had none). */
  requestId: string;
  /** Arrival order at the mock. */
  index: number;
  status: number;
  /** When the mock had read and parsed the request, ns since --base-ms. */
  arrivalNs: number;
  /** When the mock wrote the first event with output tokens, ns since --base-ms; -1: none. */
  firstTokenNs: number;
  /** Events the mock wrote ([DONE] included). */
  events: number;
}

/** Token events a write may hold: more than any reply has, so a reply is one write. */
const ONE_WRITE = 1 << 30;

/**
 * The mock's ground truth is drained this often, so the server holds only recent requests: a
 * request's record (68 events) read within a few young-generation collections dies young, where
 * records held for 250 ms were promoted and cost the mock a third more CPU per request.
 */
const DRAIN_MS = 10;

/** Converts this process's monotonic nanoseconds to ns since `baseMs` of the epoch. */
export function sinceBase(baseMs: number): (monoNs: number) => number {
  const shift = (performance.timeOrigin - baseMs) * 1e6;
  return (monoNs) => monoNs + shift;
}

function compact(t: OpenAiRequestTruth, toBase: (ns: number) => number): MockRequest {
  const first = t.events.find((e) => e.tokens > 0);
  return {
    requestId: t.requestId ?? "",
    index: t.index,
    status: t.status,
    arrivalNs: toBase(t.arrivalNs),
    firstTokenNs: first === undefined ? -1 : toBase(first.ns),
    events: t.eventCount,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      "base-ms": { type: "string" },
      slots: { type: "string", default: "1024" },
      "no-truth": { type: "boolean", default: false },
      transport: { type: "string", default: "raw" },
    },
    strict: true,
  });
  const baseMs = Number(values["base-ms"]);
  if (!Number.isSafeInteger(baseMs)) throw new RangeError("--base-ms must be an integer");
  const truth = !values["no-truth"];
  const transport = values.transport;
  if (transport !== "raw" && transport !== "deno") {
    throw new RangeError("--transport must be raw or deno");
  }
  const openai: OpenAiOptions = {
    ttftUs: 0,
    itlUs: 0,
    slots: Number(values.slots),
    truth,
    // The bench needs each request's first token time and event count, not every event.
    truthEvents: "first",
    // With zero delays every event of a reply is due at once: one write carries them all (the
    // role chunk too), so the mock spends one write, not 68, per stream and the client's
    // ceiling is what the bench measures.
    roleChunk: "first",
    eventsPerWrite: ONE_WRITE,
  };
  const server = transport === "raw"
    ? (() => {
      const raw = serveRaw(resolveOpenAi(openai), nowNs());
      return {
        url: raw.url,
        openaiTruth: (clear: boolean) => raw.mock.truth.read(clear),
        close: () => raw.close(),
      };
    })()
    : await startServer({ openai });
  const toBase = sinceBase(baseMs);
  const served: MockRequest[] = [];
  const drain = () => {
    for (const t of server.openaiTruth(true)) served.push(compact(t, toBase));
  };
  const timer = truth ? setInterval(drain, DRAIN_MS) : undefined;
  const out = new TextEncoder();
  const write = async (line: string) => {
    const bytes = out.encode(line + "\n");
    for (let n = 0; n < bytes.length;) n += await Deno.stdout.write(bytes.subarray(n));
  };
  await write(`url ${server.url}`);
  const lines = Deno.stdin.readable.pipeThrough(new TextDecoderStream()).getReader();
  let pending = "";
  try {
    for (;;) {
      const { value, done } = await lines.read();
      if (done) break;
      pending += value;
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const command = pending.slice(0, nl).trim();
        pending = pending.slice(nl + 1);
        if (command !== "truth") throw new Error(`unknown command ${JSON.stringify(command)}`);
        drain();
        await write(JSON.stringify(served.splice(0)));
      }
    }
  } finally {
    clearInterval(timer);
    await server.close();
  }
}

if (import.meta.main) await main();
