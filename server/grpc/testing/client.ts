/**
 * A plain grpc-js client for the server tests, built from the same protos (through
 * grpc-js's own proto-loader objects, not the server's code paths).
 */
import {
  type Client,
  type ClientDuplexStream,
  credentials,
  loadPackageDefinition,
  Metadata,
  type ServiceClientConstructor,
  type ServiceError,
} from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { PROTO_DIR, PROTO_OPTIONS } from "../proto.ts";

type Callback = (error: ServiceError | null, response: unknown) => void;
type UnaryMethod = (request: unknown, metadata: Metadata, callback: Callback) => void;

export interface StreamReply {
  error_message: string;
  infer_response: {
    id: string;
    model_name: string;
    model_version: string;
    parameters: Record<string, { bool_param?: boolean }>;
    outputs: { name: string; datatype: string; shape: number[] }[];
    raw_output_contents: Uint8Array[];
  } | null;
}

export interface TestClient {
  /** Calls a unary RPC of GRPCInferenceService; rejects with the ServiceError. */
  call<T = Record<string, unknown>>(method: string, request: unknown): Promise<T>;
  /** grpc.health.v1.Health/Check */
  health(service: string): Promise<{ status: string }>;
  /** Opens ModelStreamInfer, optionally with request metadata. */
  stream(metadata?: Record<string, string>): ClientDuplexStream<unknown, StreamReply>;
  close(): void;
}

function constructors(): { inference: ServiceClientConstructor; health: ServiceClientConstructor } {
  const def = loadSync(["grpc_service.proto", "health.proto"], {
    ...PROTO_OPTIONS,
    includeDirs: [PROTO_DIR],
  });
  const pkg = loadPackageDefinition(def) as unknown as {
    inference: { GRPCInferenceService: ServiceClientConstructor };
    grpc: { health: { v1: { Health: ServiceClientConstructor } } };
  };
  return { inference: pkg.inference.GRPCInferenceService, health: pkg.grpc.health.v1.Health };
}

function promised(client: Client, method: string, request: unknown): Promise<never> {
  const fn = (client as unknown as Record<string, UnaryMethod>)[method];
  if (typeof fn !== "function") throw new TypeError(`no RPC named ${method}`);
  return new Promise((resolve, reject) => {
    fn.call(client, request, new Metadata(), (error, response) => {
      if (error !== null) reject(error);
      else resolve(response as never);
    });
  });
}

/** `options` are grpc-js channel options, e.g. grpc.default_compression_algorithm. */
export function connect(url: string, options: Record<string, number> = {}): TestClient {
  const { inference, health } = constructors();
  const creds = credentials.createInsecure();
  const infer = new inference(url, creds, options);
  const check = new health(url, creds);
  return {
    call: (method, request) => promised(infer, method, request),
    health: (service) => promised(check, "Check", { service }),
    stream(metadata = {}) {
      const md = new Metadata();
      for (const [k, v] of Object.entries(metadata)) md.set(k, v);
      const open = (infer as unknown as Record<string, (m: Metadata) => unknown>).ModelStreamInfer;
      return open.call(infer, md) as ClientDuplexStream<unknown, StreamReply>;
    },
    close() {
      infer.close();
      check.close();
    },
  };
}

/** Little-endian INT32 bytes. */
export function int32Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

/** An aligned copy (a Node Buffer's slice() is a view into a shared pool). */
export function copyOf(blob: Uint8Array): ArrayBuffer {
  return new Uint8Array(blob).buffer;
}

/** Reads little-endian INT32 elements from a response blob. */
export function int32Values(blob: Uint8Array): number[] {
  return Array.from(new Int32Array(copyOf(blob)));
}

/** Stream replies as they arrive, taken in batches; `take` rejects once the stream failed. */
export class ReplyQueue {
  readonly #replies: StreamReply[] = [];
  #waiter: (() => void) | undefined;
  #error: Error | undefined;
  #ended = false;

  constructor(stream: ClientDuplexStream<unknown, StreamReply>) {
    stream.on("data", (r: StreamReply) => {
      this.#replies.push(r);
      this.#waiter?.();
    });
    stream.on("error", (e: Error) => {
      this.#error = e;
      this.#waiter?.();
    });
    stream.on("end", () => {
      this.#ended = true;
      this.#waiter?.();
    });
  }

  /** The next `count` replies; fewer only if the stream ended first. */
  async take(count: number): Promise<StreamReply[]> {
    // Bounded: every pass consumes an event, and the stream ends or fails eventually.
    while (this.#replies.length < count && this.#error === undefined && !this.#ended) {
      await new Promise<void>((resolve) => (this.#waiter = resolve));
      this.#waiter = undefined;
    }
    if (this.#error !== undefined) throw this.#error;
    return this.#replies.splice(0, count);
  }

  /** Replies received and not taken yet. */
  get waiting(): number {
    return this.#replies.length;
  }
}
