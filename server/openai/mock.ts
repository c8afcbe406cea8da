/**
 * The OpenAI-compatible mock on the reference server's HTTP listener (docs/protocols.md §7):
 * GET /v1/models, POST /v1/chat/completions, /v1/completions and /v1/embeddings, streamed as SSE
 * or answered whole. A fixed number of slots generate at once; later requests wait in arrival
 * order, so queueing shows as TTFT growth. Every write is timed by one Scheduler (a stream due
 * whole at once is the response's body) and recorded as ground truth (truth.ts).
 */
import { nowNs } from "../models/stats.ts";
import { type Stall, stallEndNs } from "../models/stall.ts";
import { sampleComputeUs } from "../options.ts";
import { OPENAI_FAULTS, type OpenAiFault, type ResolvedOpenAi } from "./options.ts";
import { errorJson, type PlannedWrite, type Reply, StreamPlan, wholeReply } from "./plan.ts";
import { seeded, STREAM } from "./random.ts";
import { Scheduler, type Timed } from "./scheduler.ts";
import {
  invalid,
  type Json,
  optionalInt,
  parseCompletion,
  type Parsed,
  refuse,
  RequestError,
  textItems,
} from "./request.ts";
import { type OpenAiEndpoint, type OpenAiRequestTruth, TruthStore } from "./truth.ts";
import { VllmMetrics } from "./metrics.ts";
import { ByteWriter } from "./bytes.ts";

/** The HTTP status faults' bodies, as OpenAI words them. */
const STATUS_FAULTS: Record<"429" | "500" | "503", string> = {
  "429": errorJson(
    "Rate limit reached for requests (simulated)",
    "requests",
    "rate_limit_exceeded",
  ),
  "500": errorJson(
    "The server had an error while processing your request (simulated)",
    "server_error",
    "internal_error",
  ),
  "503": errorJson(
    "The engine is currently overloaded, please try again later (simulated)",
    "server_error",
    "service_unavailable",
  ),
};

function notJson(): RequestError {
  return invalid("the request body is not valid JSON");
}

const ABORT_REASON = "reference server: OpenAI mock fault 'abort' dropped a stream";

/** Standard base64 of bytes (little-endian float32s here, as OpenAI's base64 embeddings are). */
function base64Of(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i++) binary += String.fromCharCode(bytes[i]);
  return btoa(binary);
}

/** Chat messages as received: role and text (parts' texts joined); parseCompletion checked them. */
function receivedMessages(messages: unknown): { role: string; content: string }[] {
  return (messages as Json[]).map((m) => {
    const c = m.content;
    const content = typeof c === "string"
      ? c
      : Array.isArray(c)
      ? c.map((p) => (p as Json | null)?.text).filter((t) => typeof t === "string").join("")
      : "";
    return { role: m.role as string, content };
  });
}

/** `write` with bytes of its own, to keep past the next write built. */
function kept(write: PlannedWrite): PlannedWrite {
  return { ...write, bytes: write.bytes.slice() };
}

/** A transport that writes a streamed reply sent whole itself (see `answer`). */
export interface WholeSink {
  /** Where the mock builds such a reply; a reply that is not sent whole leaves it free. */
  out: ByteWriter;
  take(reply: AtOnce): void;
}

/** What `answer` returns when it handed the reply to its `whole` sink instead. */
export const SENT_WHOLE: Response = new Response(null, { status: 204 });

/** A request body checked (see OpenAiMock.#checked). */
interface Checked {
  raw: unknown;
  endpoint: OpenAiEndpoint;
  body: Json;
  /** What a completion asks for; undefined for embeddings. */
  parsed: Parsed | undefined;
  /** The chat messages received, shared by the ground truth of every request that sent them. */
  messages: { role: string; content: string }[];
}

/** Something that must end when the server closes (an open stream or a pending reply). */
interface Open {
  shutdown(): void;
}

/** A streamed reply sent whole, handed to a transport of its own to write (see `answer`). */
export interface AtOnce {
  /**
   * Status 200, content-type text/event-stream, cache-control no-cache; this whole body, as
   * built in the sink's writer.
   */
  bytes: Uint8Array;
  /** The request's x-request-id, echoed in the reply's headers; null when it had none. */
  requestId: string | null;
  /** Records the reply as written at `ns` (nowNs clock), or as dropped when `ok` is false. */
  written(ns: number, ok: boolean): void;
}

export class OpenAiMock {
  readonly truth: TruthStore;
  readonly #metrics: VllmMetrics;
  readonly #o: ResolvedOpenAi;
  readonly #stall: Stall | undefined;
  readonly #originNs: number;
  readonly #scheduler = new Scheduler();
  readonly #modelsBody: string;
  #nextIndex = 0;
  #busySlots = 0;
  readonly #waiting: (() => void)[] = [];
  readonly #open = new Set<Open>();
  #last: Checked | undefined;
  /** Some fault has a chance. */
  readonly #faulty: boolean;
  /** Every stream's writes are built here; a write is copied or sent before the next is built. */
  readonly #out = new ByteWriter();

  constructor(options: ResolvedOpenAi, stall: Stall | undefined, originNs: number) {
    this.#o = options;
    this.#stall = stall;
    this.#originNs = originNs;
    this.truth = new TruthStore(options.truth);
    this.#faulty = options.faults.some((p) => p > 0);
    this.#metrics = new VllmMetrics(options.model);
    this.#modelsBody = JSON.stringify({
      object: "list",
      data: [{ id: options.model, object: "model", created: 0, owned_by: "reference-server" }],
    });
  }

  /** True for the mock's paths; `segs` is the path split on "/" (segs[1] is "v1"). */
  static owns(segs: readonly string[]): boolean {
    if (segs.length === 4) return segs[2] === "chat" && segs[3] === "completions";
    return segs.length === 3 &&
      (segs[2] === "models" || segs[2] === "completions" || segs[2] === "embeddings");
  }

  /** `GET /metrics`: vLLM's Prometheus metrics from the slots and the finished requests. */
  metrics(req: Request): Response {
    if (req.method !== "GET") return this.#methodNotAllowed();
    const text = this.#metrics.render({
      running: this.#busySlots,
      waiting: this.#waiting.length,
      slots: this.#o.slots,
    });
    return new Response(text, { headers: { "content-type": "text/plain; version=0.0.4" } });
  }

  handle(req: Request, segs: readonly string[]): Response | Promise<Response> {
    return this.answer(req.method, segs, () => req.json(), (name) => req.headers.get(name));
  }

  /**
   * `handle` for a transport that reads requests itself (raw.ts): the method, the path split on
   * "/", the body as JSON (throws when it is not) and the request's headers by lower-case name.
   * With `whole`, a streamed reply sent whole (see #streamAtOnce) is built in its writer and
   * handed to it instead, stamped only when the transport says it wrote it, and the answer is
   * SENT_WHOLE; Deno.serve gives no such moment, so its replies are stamped when made.
   */
  answer(
    method: string,
    segs: readonly string[],
    json: () => unknown,
    header: (name: string) => string | null,
    whole?: WholeSink,
  ): Response | Promise<Response> {
    if (segs[2] === "models") {
      if (method !== "GET") return this.#methodNotAllowed();
      return new Response(this.#modelsBody, { headers: { "content-type": "application/json" } });
    }
    if (method !== "POST") return this.#methodNotAllowed();
    const endpoint: OpenAiEndpoint = segs[2] === "chat"
      ? "chat"
      : segs[2] === "completions"
      ? "completions"
      : "embeddings";
    let body: unknown;
    try {
      body = json();
    } catch {
      return refuse(notJson());
    }
    // A transport that read the body already (raw.ts) is answered without a turn of the loop.
    return body instanceof Promise
      ? body.then((b) => this.#serve(b, header, endpoint, whole), () => refuse(notJson()))
      : this.#serve(body, header, endpoint, whole);
  }

  /** Ends every open stream and pending reply, drops every timer. */
  close(): void {
    this.#scheduler.close();
    for (const o of this.#open) o.shutdown();
    this.#open.clear();
  }

  #methodNotAllowed(): Response {
    return refuse(new RequestError(405, "Method Not Allowed"));
  }

  #serve(
    raw: unknown,
    header: (name: string) => string | null,
    endpoint: OpenAiEndpoint,
    whole: WholeSink | undefined,
  ): Response | Promise<Response> {
    let request: Checked;
    let fault: OpenAiFault | undefined;
    try {
      request = this.#checked(raw, endpoint);
      const forced = header("x-mock-fault");
      if (forced !== null) {
        if (!OPENAI_FAULTS.includes(forced as OpenAiFault)) {
          throw invalid(`unknown x-mock-fault ${JSON.stringify(forced)}`);
        }
        fault = forced as OpenAiFault;
      }
    } catch (e) {
      if (e instanceof RequestError) return refuse(e);
      throw e;
    }
    const arrivalNs = nowNs();
    const index = this.#nextIndex++;
    fault ??= this.#drawFault(index);
    const { body, parsed } = request;
    const stream = parsed?.stream ?? false;
    const truth: OpenAiRequestTruth = {
      index,
      id: `${
        endpoint === "chat" ? "chatcmpl" : endpoint === "completions" ? "cmpl" : "embd"
      }-${index}`,
      requestId: header("x-request-id"),
      endpoint,
      stream,
      status: 200,
      fault: "none",
      arrivalNs,
      startNs: arrivalNs,
      headersNs: 0,
      events: [],
      eventCount: 0,
      writeNs: [],
      endNs: 0,
      promptTokens: 0,
      messages: request.messages,
      prompt: endpoint === "completions" && typeof body.prompt === "string" ? body.prompt : "",
      content: "",
      completionTokens: 0,
      plannedTokens: 0,
      finishReason: null,
      cancelled: false,
    };
    if (fault === "429" || fault === "500" || fault === "503") {
      truth.fault = fault;
      truth.status = Number(fault);
      return this.#whole(truth, this.#stallEnd(arrivalNs), STATUS_FAULTS[fault], "error");
    }
    if (endpoint === "embeddings") return this.#embeddings(truth, body);
    const p = parsed!;
    // Mid-stream faults need a stream; a whole reply cannot break half-way.
    if (stream) truth.fault = fault ?? "none";
    const reply = this.#reply(truth, endpoint, p);
    const draws = {
      tokens: seeded(this.#o.seed, index, STREAM.tokens),
      timing: seeded(this.#o.seed, index, STREAM.timing),
    };
    if (!stream) {
      return this.#afterSlot(truth, (startNs) => {
        const { offsetNs, body, content } = wholeReply(reply, this.#o, draws);
        truth.content = content;
        truth.completionTokens = reply.tokens;
        truth.finishReason = reply.finishReason;
        return { due: this.#stallEnd(startNs + offsetNs), body };
      });
    }
    return this.#stream(
      truth,
      new StreamPlan(reply, this.#o, draws, seeded(this.#o.seed, index, STREAM.chaos), this.#out),
      whole,
    );
  }

  /**
   * A request body checked: a JSON object naming the mock's model, and for completions what it
   * asks for. The last body is kept: a transport hands a body repeated byte for byte over as the
   * same object (raw.ts), which is then not read again.
   */
  #checked(raw: unknown, endpoint: OpenAiEndpoint): Checked {
    const last = this.#last;
    if (last !== undefined && last.raw === raw && last.endpoint === endpoint) return last;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw invalid("the request body must be a JSON object");
    }
    const body = raw as Json;
    if (typeof body.model !== "string") {
      throw invalid("'model' is required", "model");
    }
    if (body.model !== this.#o.model) {
      throw new RequestError(
        404,
        `The model '${body.model}' does not exist`,
        "invalid_request_error",
        "model_not_found",
        "model",
      );
    }
    const checked: Checked = {
      raw,
      endpoint,
      body,
      parsed: endpoint === "embeddings" ? undefined : parseCompletion(body, endpoint),
      messages: endpoint === "chat" ? receivedMessages(body.messages) : [],
    };
    this.#last = checked;
    return checked;
  }

  #drawFault(index: number): OpenAiFault | undefined {
    // The draw is the request's own stream: not drawing it when no fault can happen moves none.
    if (!this.#faulty) return undefined;
    const u = seeded(this.#o.seed, index, STREAM.fault)();
    let sum = 0;
    for (let i = 0; i < OPENAI_FAULTS.length; i++) {
      sum += this.#o.faults[i];
      if (u < sum) return OPENAI_FAULTS[i];
    }
    return undefined;
  }

  #reply(truth: OpenAiRequestTruth, endpoint: "chat" | "completions", p: Parsed): Reply {
    const limit = p.maxTokens ?? this.#o.outputTokens;
    const eos = this.#o.eosAfter;
    const asked = p.ignoreEos || eos === undefined
      ? limit
      : Math.min(limit, Math.max(p.minTokens, eos));
    const tokens = Math.min(asked, this.#o.stopAfter ?? asked);
    // A reply cut by its limit ends with "length"; one the model ended itself with "stop".
    const finishReason = tokens === p.maxTokens ? "length" : "stop";
    const usage = this.#o.usage !== "request"
      ? this.#o.usage
      : p.continuousUsage
      ? "continuous"
      : p.includeUsage
      ? "final"
      : "none";
    truth.promptTokens = p.promptTokens;
    truth.plannedTokens = tokens;
    return {
      endpoint,
      id: truth.id,
      created: Math.floor(Date.now() / 1000),
      model: this.#o.model,
      promptTokens: p.promptTokens,
      tokens,
      finishReason,
      usage,
      fault: truth.fault,
    };
  }

  #stallEnd(ns: number): number {
    return stallEndNs(ns, this.#originNs, this.#stall);
  }

  /** Runs `start` once a slot is free (at once when one is). */
  #acquire(start: () => void): void {
    if (this.#busySlots < this.#o.slots) {
      this.#busySlots++;
      start();
    } else this.#waiting.push(start);
  }

  #release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next();
    else this.#busySlots--;
  }

  #finish(truth: OpenAiRequestTruth, endNs: number): void {
    truth.endNs = endNs;
    this.truth.add(truth);
    this.#metrics.finished(truth);
  }

  /** A whole JSON reply written at `due`. */
  #whole(
    truth: OpenAiRequestTruth,
    due: number,
    body: string,
    kind: "json" | "error",
  ): Promise<Response> {
    return new Promise<Response>((resolve) => {
      const pending: Timed & Open = {
        due,
        fire: () => {
          this.#open.delete(pending);
          const ns = nowNs();
          truth.headersNs = ns;
          truth.writeNs.push(ns);
          truth.eventCount = 1;
          const tokens = kind === "json" ? truth.completionTokens : 0;
          if (this.#o.truthEvents === "every" || tokens > 0) {
            truth.events.push({ ns, dueNs: due, kind, tokens, data: body });
          }
          this.#finish(truth, ns);
          resolve(
            new Response(body, {
              status: truth.status,
              headers: { "content-type": "application/json" },
            }),
          );
        },
        shutdown: () =>
          resolve(refuse(new RequestError(503, "server shutting down", "server_error"))),
      };
      this.#open.add(pending);
      this.#scheduler.at(pending);
    });
  }

  /** A whole reply generated in a slot; `plan` gives its body and due time from the slot start. */
  #afterSlot(
    truth: OpenAiRequestTruth,
    plan: (startNs: number) => { due: number; body: string },
  ): Promise<Response> {
    return new Promise<Response>((resolve) => {
      const queued: Open = {
        shutdown: () =>
          resolve(refuse(new RequestError(503, "server shutting down", "server_error"))),
      };
      this.#open.add(queued);
      this.#acquire(() => {
        this.#open.delete(queued);
        truth.startNs = nowNs();
        const { due, body } = plan(truth.startNs);
        this.#whole(truth, due, body, "json").then((res) => {
          this.#release();
          resolve(res);
        });
      });
    });
  }

  #embeddings(truth: OpenAiRequestTruth, body: Json): Promise<Response> | Response {
    let items: number[];
    let dims: number;
    let base64: boolean;
    try {
      items = textItems(body.input, "input");
      dims = optionalInt(body, "dimensions", 1) ?? this.#o.embeddingDims;
      const format = body.encoding_format ?? "float";
      if (format !== "float" && format !== "base64") {
        throw invalid("'encoding_format' must be float or base64", "encoding_format");
      }
      base64 = format === "base64";
    } catch (e) {
      if (e instanceof RequestError) return refuse(e);
      throw e;
    }
    const promptTokens = items.reduce((a, b) => a + b, 0);
    truth.promptTokens = promptTokens;
    const values = seeded(this.#o.seed, truth.index, STREAM.tokens);
    const timing = seeded(this.#o.seed, truth.index, STREAM.timing);
    return this.#afterSlot(truth, (startNs) => {
      const data = items.map((_, index) => {
        const v = new Float32Array(dims);
        for (let i = 0; i < dims; i++) v[i] = values() * 2 - 1;
        const embedding = base64 ? base64Of(new Uint8Array(v.buffer)) : Array.from(v);
        return { object: "embedding", index, embedding };
      });
      const reply = JSON.stringify({
        object: "list",
        data,
        model: this.#o.model,
        usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
      });
      const delayNs = Math.round(sampleComputeUs(this.#o.ttftUs, timing) * 1000);
      return { due: this.#stallEnd(startNs + delayNs), body: reply };
    });
  }

  /** Records that `write` was handed to the connection at `ns` (it was due at `dueNs`). */
  #wrote(truth: OpenAiRequestTruth, write: PlannedWrite, ns: number, dueNs: number): void {
    if (write.bytes.length > 0) truth.writeNs.push(ns);
    truth.eventCount += write.events;
    // The plan decoded the data of the events the ground truth keeps (truthEvents).
    for (const k of write.kept) {
      truth.events.push({ ns, dueNs, kind: k.kind, tokens: k.tokens, data: k.data });
    }
    truth.completionTokens += write.tokens;
    truth.content += write.content;
  }

  /**
   * A streamed reply whose one write is due now with a slot free (zero delays, every event in
   * one write): it goes out as the response's whole body. Deno's server sends a byte body with
   * the headers at once, where a ReadableStream body costs event-loop turns and a chunked
   * frame per write; a client reads the same events either way. Undefined when the reply must
   * wait, or writes more than once.
   */
  #streamAtOnce(
    truth: OpenAiRequestTruth,
    write: PlannedWrite,
    plan: StreamPlan,
    whole: WholeSink | undefined,
  ): Response | undefined {
    if (write.after !== "close" || this.#busySlots >= this.#o.slots) return undefined;
    const made = nowNs();
    if (this.#stallEnd(made + write.offsetNs) > made) return undefined;
    truth.startNs = made;
    if (truth.fault === "none") truth.finishReason = plan.reply.finishReason;
    const written = (ns: number, ok: boolean) => {
      truth.headersNs = ns;
      truth.cancelled = !ok;
      this.#wrote(truth, write, ns, made);
      this.#finish(truth, ns);
    };
    if (whole !== undefined) {
      whole.take({ bytes: write.bytes, requestId: truth.requestId, written });
      return SENT_WHOLE;
    }
    written(made, true);
    return new Response(write.bytes.slice(), {
      headers: this.#streamHeaders(truth),
    });
  }

  #streamHeaders(truth: OpenAiRequestTruth): Record<string, string> {
    const headers: Record<string, string> = {
      "content-type": "text/event-stream",
      "cache-control": "no-cache",
    };
    if (truth.requestId !== null) headers["x-request-id"] = truth.requestId;
    return headers;
  }

  /** A streamed reply: headers now, each planned write at its time once a slot is free. */
  #stream(
    truth: OpenAiRequestTruth,
    plan: StreamPlan,
    whole: WholeSink | undefined,
  ): Response {
    let write = plan.next(whole?.out);
    const atOnce = this.#streamAtOnce(truth, write, plan, whole);
    if (atOnce !== undefined) return atOnce;
    // A timed write waits for its time, past other plans' writes into the shared writer.
    write = kept(write);
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    let state: "queued" | "running" | "ended" = "queued";
    const end = (ns: number) => {
      const held = state === "running";
      state = "ended";
      this.#open.delete(job);
      this.#finish(truth, ns);
      if (held) this.#release();
    };
    const job: Timed & Open = {
      due: 0,
      fire: () => {
        if (state !== "running") return;
        const ns = nowNs();
        if (write.bytes.length > 0) controller.enqueue(write.bytes);
        this.#wrote(truth, write, ns, job.due);
        if (write.after === "more") {
          write = kept(plan.next());
          job.due = this.#stallEnd(truth.startNs + write.offsetNs);
          this.#scheduler.at(job);
          return;
        }
        // Deno logs the reason when it drops the connection; say where it comes from.
        if (write.after === "abort") controller.error(new Error(ABORT_REASON));
        else controller.close();
        if (truth.fault === "none") truth.finishReason = plan.reply.finishReason;
        end(ns);
      },
      shutdown: () => {
        if (state === "ended") return;
        state = "ended";
        controller.close();
      },
    };
    const body = new ReadableStream<Uint8Array>({
      start: (c) => {
        controller = c;
      },
      cancel: () => {
        if (state === "ended") return;
        truth.cancelled = true;
        end(nowNs());
      },
    });
    this.#open.add(job);
    this.#acquire(() => {
      if (state !== "queued") return this.#release();
      state = "running";
      truth.startNs = nowNs();
      job.due = this.#stallEnd(truth.startNs + write.offsetNs);
      this.#scheduler.at(job);
    });
    truth.headersNs = nowNs();
    return new Response(body, { headers: this.#streamHeaders(truth) });
  }
}
