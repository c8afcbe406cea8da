/**
 * The dynamic_grpc kind's backend, loaded by its descriptor's create()
 * (backends/dynamic_grpc/descriptor.ts): any unary gRPC method (--grpc-method), each request
 * body one message the input data's `message_generator` command wrote, sent as it is. There
 * is no metadata to read, so describe() synthesizes the model and the report is client-side
 * only. Each distinct command runs once, when its entry is prepared; connect() waits for the
 * runs, so a failed command stops the run before any load with its own error.
 */
import type {
  Backend,
  BackendOptions,
  Channel,
  ModelInfo,
  PreparedRequest,
  RequestSpec,
} from "../../core/backend.ts";
import { type Clock, systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import type { RequestRecord } from "../../core/measure/record.ts";
import { decodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import type { TlsMaterial } from "../../wire/net/tls_connect.ts";
import type { GrpcCompression } from "../net/grpc_compression.ts";
import {
  grpcMetadata,
  type GrpcTarget,
  grpcTarget,
  grpcTls,
  parseCompression,
} from "../net/grpc_target.ts";
import { PreparedGrpcCall, requestHeaderBlock, withGrpcTimeout } from "../net/h2_grpc_call.ts";
import { H2Endpoint } from "../net/h2_endpoint.ts";
import { H2UnaryChannel, NOT_PREPARED } from "../net/h2_unary_channel.ts";
import { generateMessages, type GeneratorLimits } from "./generator.ts";
import { type DynamicGrpcOptions, methodPath } from "./options.ts";

/** The input name perf_analyzer's dynamic_grpc kind reads its generator command from. */
export const MESSAGE_GENERATOR = "message_generator";

/** -u without a port: perf_analyzer's gRPC default port. */
const DEFAULT_GRPC_PORT = 8001;

/** Printed once at startup: why the model looks the way it does. */
export const DYNAMIC_GRPC_MODEL_NOTE = "dynamic_grpc reads no model metadata: the model is taken " +
  `to have one BYTES input ${MESSAGE_GENERATOR} (a shell command from --input-data whose ` +
  "length-prefixed frames are the request messages), no declared outputs and no batching; " +
  "only client-side statistics are reported.";

/**
 * The messages of one generator command, sent round-robin. Every channel that sends this
 * entry shares the cursor, so the frames are spread over the whole run, not per channel.
 */
export class GeneratedMessages {
  calls: PreparedGrpcCall[] = [];
  #next = 0;

  constructor(readonly command: string) {}

  /** The next message to send; called only after connect() saw the command succeed. */
  next(): PreparedGrpcCall {
    const call = this.calls[this.#next];
    this.#next = this.#next + 1 === this.calls.length ? 0 : this.#next + 1;
    return call;
  }
}

/** The one command of the request's message_generator tensor. */
function commandOf(spec: RequestSpec): string {
  const input = spec.inputs.find((t) => t.name === MESSAGE_GENERATOR);
  const commands = input?.datatype === "BYTES" ? decodeStringElements(input.bytes) : [];
  if (commands.length !== 1 || commands[0].trim() === "") {
    throw new RunError(
      `the dynamic_grpc service kind needs one non-empty ${MESSAGE_GENERATOR} shell command ` +
        `per --input-data entry: {"data": [{"${MESSAGE_GENERATOR}": "<shell command>"}]}`,
    );
  }
  return commands[0];
}

/** Hands each send the entry's next message, on a unary channel of the method's path. */
class DynamicGrpcChannel implements Channel {
  constructor(private readonly inner: H2UnaryChannel<PreparedGrpcCall>) {}

  send(prepared: PreparedRequest, record: RequestRecord): Promise<void> {
    if (!(prepared instanceof GeneratedMessages)) {
      record.fail("protocol_error", NOT_PREPARED, 0);
      return Promise.resolve();
    }
    return this.inner.send(prepared.next(), record);
  }

  close(): void {
    this.inner.close();
  }
}

export class DynamicGrpcBackend implements Backend {
  readonly kind = "dynamic_grpc";
  readonly #target: GrpcTarget;
  readonly #metadata: [string, string][];
  readonly #tls: TlsMaterial | undefined;
  readonly #compression: GrpcCompression;
  readonly #path: string;
  /** --request-timeout in ms; 0 waits for ever. */
  readonly #timeoutMs: number;
  /** One entry per distinct command, with its run (which never rejects: see connect()). */
  readonly #generated = new Map<string, { messages: GeneratedMessages; run: Promise<unknown> }>();
  readonly #channels = new Set<H2UnaryChannel<PreparedGrpcCall>>();
  #endpoint: H2Endpoint | undefined;

  constructor(
    options: BackendOptions<DynamicGrpcOptions>,
    private readonly clock: Clock,
    private readonly limits?: GeneratorLimits,
  ) {
    this.#target = grpcTarget(options.url, DEFAULT_GRPC_PORT);
    this.#tls = grpcTls(options.url, options.tls);
    this.#metadata = grpcMetadata(options.headers);
    this.#compression = parseCompression(options.grpcCompression);
    this.#path = methodPath(options.own.method);
    this.#timeoutMs = options.requestTimeoutMs ?? 0;
  }

  describe(model: string, version: string): Promise<ModelInfo> {
    return Promise.resolve({
      name: model,
      version,
      platform: "dynamic_grpc",
      inputs: [{ name: MESSAGE_GENERATOR, datatype: "BYTES", shape: [1] }],
      outputs: [],
      maxBatchSize: 0,
      sequence: false,
      responses: "one",
      dynamicBatching: false,
      responseCache: false,
      notes: [DYNAMIC_GRPC_MODEL_NOTE],
    });
  }

  /** Starts the entry's command (once per distinct command); its frames land before connect(). */
  prepare(spec: RequestSpec): GeneratedMessages {
    const command = commandOf(spec);
    const known = this.#generated.get(command);
    if (known !== undefined) return known.messages;
    const messages = new GeneratedMessages(command);
    // The failure is kept, not thrown, until connect() reads it: a rejection nobody awaits yet
    // would end the process as unhandled.
    const run = generateMessages(command, this.limits).then((frames) => {
      messages.calls = frames.map((f) => new PreparedGrpcCall(f, this.#compression));
    }, (e: unknown) => e);
    this.#generated.set(command, { messages, run });
    return messages;
  }

  async connect(): Promise<Channel> {
    for (const { run } of this.#generated.values()) {
      const failure = await run;
      if (failure !== undefined) throw failure;
    }
    const { hostname, port, authority } = this.#target;
    this.#endpoint ??= new H2Endpoint(hostname, port, this.#tls);
    // --request-timeout: a per-call timer in the channel, and grpc-timeout for the server.
    const timeoutMs = this.#timeoutMs;
    const metadata = withGrpcTimeout(this.#metadata, timeoutMs);
    const block = requestHeaderBlock(this.#path, authority, metadata, this.#compression);
    const inner = new H2UnaryChannel(
      this.#endpoint,
      block,
      this.clock,
      PreparedGrpcCall,
      (c) => this.#channels.delete(c),
      undefined,
      timeoutMs,
    );
    this.#channels.add(inner);
    return new DynamicGrpcChannel(inner);
  }

  async close(): Promise<void> {
    // Commands still running (the run stopped before connecting) are let finish: bounded.
    await Promise.all([...this.#generated.values()].map((g) => g.run));
    for (const ch of [...this.#channels]) ch.close();
    const endpoint = this.#endpoint;
    this.#endpoint = undefined;
    await endpoint?.close();
  }
}

export function createDynamicGrpcBackend(options: BackendOptions<DynamicGrpcOptions>): Backend {
  return new DynamicGrpcBackend(options, systemClock);
}
