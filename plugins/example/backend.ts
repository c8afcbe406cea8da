/**
 * An example third-party backend in one file: `--service-kind plugin:plugins/example/backend.ts`.
 * It speaks plain JSON over HTTP with `fetch`:
 *
 * - metadata: GET /v2/models/{model} and /config (KServe v2 JSON) for inputs and batching;
 * - inference: POST /predictions/{model} with {"INPUT0": [..], "INPUT1": [..]} (flat lists),
 *   answered with {"OUTPUT0": [..], ...}, as the reference server's TorchServe handler does;
 *   `--example-path` changes that path (e.g. /predictions/{model}/1 to ask for version 1).
 *
 * It shows the whole contract: a default-exported plugin function that gets the tool's runtime
 * API (RunError, the value parsers) and returns a descriptor with the contract version, default
 * URL, declared capabilities and one flag of its own; describe(), prepare() that encodes once,
 * channels whose send() never rejects, close(). Its one import is of types only, from
 * core/plugin_api.ts, so the file runs wherever it is copied, with or without that file beside
 * it. fetch is slower than the built-in raw HTTP client; a plugin chooses its own transport.
 */
import type {
  Backend,
  BackendDescriptor,
  BackendOptions,
  Channel,
  DataType,
  ModelInfo,
  PluginApi,
  RequestRecord,
  RequestSpec,
  TensorData,
} from "../../core/plugin_api.ts";

/** The plugin's own options (`options.own`), filled from its flag by the command line. */
export interface ExampleOptions {
  /** --example-path: the inference request path; "{model}" stands for the model name. */
  path: string;
}

const MODEL = "{model}";

const nowNs = () => performance.now() * 1e6;

/** Little-endian element readers for the numeric datatypes this example sends as JSON. */
const READERS: Partial<Record<DataType, [number, (v: DataView, at: number) => number]>> = {
  INT8: [1, (v, at) => v.getInt8(at)],
  UINT8: [1, (v, at) => v.getUint8(at)],
  INT16: [2, (v, at) => v.getInt16(at, true)],
  INT32: [4, (v, at) => v.getInt32(at, true)],
  UINT32: [4, (v, at) => v.getUint32(at, true)],
  INT64: [8, (v, at) => Number(v.getBigInt64(at, true))],
  FP32: [4, (v, at) => v.getFloat32(at, true)],
  FP64: [8, (v, at) => v.getFloat64(at, true)],
};

/** A tensor's wire bytes as a JSON list (BYTES elements are 4-byte length-prefixed). */
function elements(t: TensorData, api: PluginApi): unknown[] {
  const view = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  const out: unknown[] = [];
  if (t.datatype === "BYTES") {
    for (let at = 0; at < t.bytes.length;) {
      const n = view.getUint32(at, true);
      out.push(new TextDecoder().decode(t.bytes.subarray(at + 4, at + 4 + n)));
      at += 4 + n;
    }
    return out;
  }
  const reader = READERS[t.datatype];
  if (!reader) {
    throw new api.RunError(`the example plugin cannot send ${t.datatype} input ${t.name}`);
  }
  for (let at = 0; at < t.bytes.length; at += reader[0]) out.push(reader[1](view, at));
  return out;
}

class Prepared {
  constructor(readonly url: string, readonly body: string) {}
}

class JsonChannel implements Channel<Prepared> {
  readonly #abort = new AbortController();
  constructor(readonly headers: Headers) {}

  async send(prepared: Prepared, rec: RequestRecord): Promise<void> {
    if (this.#abort.signal.aborted) return rec.fail("cancelled", "channel closed", nowNs());
    rec.sendStartNs = nowNs();
    try {
      const res = await fetch(prepared.url, {
        method: "POST",
        body: prepared.body,
        headers: this.headers,
        signal: this.#abort.signal,
      });
      rec.sendEndNs = rec.firstByteNs = nowNs();
      const text = await res.text();
      rec.endNs = nowNs();
      rec.status = res.status;
      rec.bytesSent += prepared.body.length;
      rec.bytesReceived += text.length;
      if (res.ok) rec.addResponse(rec.endNs);
      else rec.fail("server_error", `HTTP ${res.status}: ${text.slice(0, 200)}`, rec.endNs);
    } catch (e) {
      const closed = this.#abort.signal.aborted;
      rec.fail(closed ? "cancelled" : "transport_error", (e as Error).message, nowNs());
    }
  }

  close(): void {
    this.#abort.abort();
  }
}

class JsonBackend implements Backend<Prepared> {
  readonly kind = "example-json";
  readonly #base: string;
  readonly #path: string;
  readonly #headers: Headers;
  readonly #channels = new Set<JsonChannel>();

  constructor(
    options: BackendOptions<ExampleOptions>,
    own: ExampleOptions,
    readonly api: PluginApi,
  ) {
    this.#base = /^https?:\/\//.test(options.url) ? options.url : `http://${options.url}`;
    this.#path = own.path;
    this.#headers = new Headers(options.headers);
    this.#headers.set("content-type", "application/json");
  }

  async #getJson(path: string): Promise<Record<string, unknown>> {
    let res: Response;
    try {
      res = await fetch(this.#base + path, { headers: this.#headers });
    } catch (e) {
      throw new this.api.RunError(
        `example plugin: cannot reach ${this.#base}: ${(e as Error).message}`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      throw new this.api.RunError(`example plugin: GET ${path}: HTTP ${res.status} ${text}`);
    }
    return JSON.parse(text);
  }

  async describe(model: string, version: string): Promise<ModelInfo> {
    const path = `/v2/models/${encodeURIComponent(model)}`;
    const md = await this.#getJson(path);
    const config = await this.#getJson(`${path}/config`);
    const maxBatchSize = Number(config.max_batch_size ?? 0);
    type Io = { name: string; datatype: DataType; shape: number[] };
    const tensors = (list: unknown) =>
      (list as Io[]).map((t) => ({
        name: t.name,
        datatype: t.datatype,
        // The metadata shape includes the batch dimension when the model batches.
        shape: maxBatchSize > 0 ? t.shape.slice(1) : t.shape,
      }));
    return {
      name: model,
      version,
      platform: String(md.platform ?? ""),
      inputs: tensors(md.inputs),
      outputs: tensors(md.outputs),
      maxBatchSize,
      sequence: false,
      responses: "one",
      dynamicBatching: false,
      responseCache: false,
      notes: ["example plugin: JSON over fetch; no server statistics"],
    };
  }

  prepare(spec: RequestSpec): Prepared {
    const body: Record<string, unknown[]> = {};
    for (const t of spec.inputs) body[t.name] = elements(t, this.api);
    const path = this.#path.replaceAll(MODEL, encodeURIComponent(spec.model));
    return new Prepared(this.#base + path, JSON.stringify(body));
  }

  connect(): Promise<Channel<Prepared>> {
    const ch = new JsonChannel(this.#headers);
    this.#channels.add(ch);
    return Promise.resolve(ch);
  }

  close(): Promise<void> {
    for (const ch of this.#channels) ch.close();
    this.#channels.clear();
    return Promise.resolve();
  }
}

function defaults(): ExampleOptions {
  return { path: `/predictions/${MODEL}` };
}

/**
 * The module's default export: the tool calls it once, when the module loads, with its runtime
 * API, and uses the descriptor it returns.
 */
export default function examplePlugin(api: PluginApi): BackendDescriptor<ExampleOptions> {
  return {
    // The contract version this file was written against; the loader refuses a mismatch.
    contractVersion: 2,
    kind: "example-json",
    title: "Example JSON",
    protocols: ["http"],
    defaultUrl: { http: "localhost:8000" },
    capabilities: {
      headers: true,
      streaming: [],
      compression: false,
      requestTimeout: false,
      // Responses are not decoded, so validation_data is refused before the run instead of
      // every request failing as a "missing output".
      outputCapture: false,
    },
    help: {
      protocols: "JSON over fetch",
      serverStats: "no (client-side only)",
      modes: "concurrency, request rate",
    },
    // Parsed like a built-in's flags: listed under this plugin in --help, refused with any other
    // --service-kind, and its value checked before anything is sent.
    flags: [{
      long: "example-path",
      value: "<path>",
      def: `/predictions/${MODEL}`,
      help: `Inference request path; ${MODEL} is replaced by the model name (e.g. ` +
        `/predictions/${MODEL}/1 asks for version 1).`,
      apply(own, value) {
        if (!value.startsWith("/") || !value.includes(MODEL)) {
          const rule = `The path must start with / and contain ${MODEL}.`;
          throw api.valueError("--example-path", rule, value);
        }
        own.path = value;
      },
    }],
    defaults,
    // A plugin with a heavy transport would import it here, lazily, as the built-ins do. `own` is
    // defaults() plus the flags given; a caller that creates the backend without the command line
    // (a test harness) may pass none, which means the defaults.
    create: (options) => new JsonBackend(options, options.own ?? defaults(), api),
  };
}
