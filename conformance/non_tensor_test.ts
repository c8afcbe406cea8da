/**
 * The suite takes a backend whose requests are not tensors and whose peer is not the reference
 * server: a minimal text-completion backend (a prompt in, a text out, over fetch) and a peer
 * that counts what it answered, both defined here. They pass with their own request builders
 * and no tensor capability, as an OpenAI-style backend would.
 */
import {
  type Backend,
  BACKEND_CONTRACT_VERSION,
  type BackendDescriptor,
  type BackendOptions,
  type Channel,
  type ModelInfo,
  type RequestRecord,
  type RequestSpec,
  RunError,
} from "../core/plugin.ts";
import type { ConformanceFixture, Example, Peer, PeerOptions } from "./fixture.ts";
import { spec, tensor } from "./fixture.ts";
import { conformanceSuite } from "./mod.ts";
import { emptyModelStats } from "../backends/shared/model_stats.ts";

const MODEL = "echo-upper";
const NOTE = "text peer: completions only";
const nowNs = () => performance.now() * 1e6;

/** The peer: GET /v1/models/{model}; POST /v1/completions {model, prompt} -> {text}. */
function startTextPeer(o: PeerOptions): Promise<Peer> {
  const started = performance.now();
  let answered = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET") {
      const known = path === `/v1/models/${MODEL}`;
      return Response.json(known ? { id: MODEL } : { error: "no such model" }, {
        status: known ? 200 : 404,
      });
    }
    const { model, prompt } = await req.json();
    const held = started + (o.holdMs ?? 0) - performance.now();
    if (held > 0) await new Promise((r) => setTimeout(r, held));
    if (model !== MODEL || typeof prompt !== "string" || prompt === "") {
      return Response.json({ error: "the prompt must be a non-empty string" }, { status: 400 });
    }
    answered++;
    return Response.json({ text: prompt.toUpperCase() });
  });
  return Promise.resolve({
    options: { url: `127.0.0.1:${server.addr.port}` },
    groundTruth: (model) => {
      if (model !== MODEL) throw new RangeError(`unknown model ${model}`);
      return {
        ...emptyModelStats(),
        inferenceCount: answered,
        executionCount: answered,
        successCount: answered,
      };
    },
    close: () => server.shutdown(),
  });
}

class TextChannel implements Channel<string> {
  readonly #abort = new AbortController();
  constructor(readonly base: string) {}

  async send(prepared: string, rec: RequestRecord): Promise<void> {
    if (this.#abort.signal.aborted) return rec.fail("cancelled", "channel closed", nowNs());
    rec.sendStartNs = nowNs();
    try {
      const res = await fetch(`${this.base}/v1/completions`, {
        method: "POST",
        body: prepared,
        signal: this.#abort.signal,
      });
      rec.sendEndNs = rec.firstByteNs = nowNs();
      const text = await res.text();
      rec.status = res.status;
      if (res.ok) rec.addResponse(rec.endNs = nowNs());
      else rec.fail("server_error", text, nowNs());
    } catch (e) {
      const closed = this.#abort.signal.aborted;
      rec.fail(closed ? "cancelled" : "transport_error", (e as Error).message, nowNs());
    }
  }

  close(): void {
    this.#abort.abort();
  }
}

class TextBackend implements Backend<string> {
  readonly kind = "text-test";
  readonly #base: string;
  readonly #channels = new Set<TextChannel>();
  constructor(options: BackendOptions) {
    this.#base = `http://${options.url}`;
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    let res: Response;
    try {
      res = await fetch(`${this.#base}/v1/models/${model}`);
    } catch (e) {
      throw new RunError(`cannot reach ${this.#base}: ${(e as Error).message}`);
    }
    if (!res.ok) throw new RunError(`unknown model ${model}: ${await res.text()}`);
    await res.body?.cancel();
    return {
      name: model,
      version,
      platform: "text",
      inputs: [{ name: "prompt", datatype: "BYTES", shape: [1] }],
      outputs: [],
      maxBatchSize: 0,
      sequence: false,
      responses: "one",
      dynamicBatching: false,
      responseCache: false,
      notes: [NOTE],
    };
  }

  /** The prompt is the request's one BYTES element (a 4-byte length, then UTF-8). */
  prepare(s: RequestSpec): string {
    const bytes = s.inputs[0].bytes;
    const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
    const prompt = new TextDecoder().decode(bytes.subarray(4, 4 + length));
    return JSON.stringify({ model: s.model, prompt });
  }

  connect(): Promise<Channel<string>> {
    const ch = new TextChannel(this.#base);
    this.#channels.add(ch);
    return Promise.resolve(ch);
  }

  close(): Promise<void> {
    for (const ch of this.#channels) ch.close();
    return Promise.resolve();
  }
}

const descriptor: BackendDescriptor = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "text-test",
  title: "text peer",
  protocols: ["http"],
  defaultUrl: { http: "localhost:8080" },
  capabilities: {
    headers: false,
    streaming: [],
    compression: false,
    requestTimeout: false,
    outputCapture: false,
  },
  help: { protocols: "http", serverStats: "no", modes: "concurrency, request rate" },
  create: (options) => new TextBackend(options),
};

const prompt = (text: string): Example => ({
  spec: spec(MODEL, [tensor("prompt", "BYTES", [1], [text])], 1),
  inferences: 1,
});

const fixture: ConformanceFixture = {
  descriptor,
  capabilities: { sequences: false, batching: false, datatypes: [] },
  start: startTextPeer,
  model: {
    name: MODEL,
    maxBatchSize: 0,
    responses: "one",
    inputs: [["prompt", "BYTES", [1]]],
    outputs: [],
    notes: [NOTE],
  },
  requests: {
    happy: prompt("hello"),
    failing: [{ why: "an empty prompt", spec: prompt("").spec }],
  },
  unknownModel: /^unknown model no_such_model: /,
};

await conformanceSuite("text (not tensors)", fixture);
