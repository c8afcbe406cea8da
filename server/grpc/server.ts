/**
 * The reference server's gRPC listener: Triton's GRPCInferenceService and the standard
 * health service over cleartext HTTP/2 (server/h2/connection.ts), with the protobuf codecs that
 * @grpc/proto-loader builds from ../proto.
 */
import type { MethodDefinition, ServiceDefinition } from "@grpc/proto-loader";
import { H2ServerConnection } from "../h2/connection.ts";
import { acceptEach } from "../listen.ts";
import type { H2Limits } from "../../wire/h2/connection.ts";
import { healthHandlers, metadataHandlers, type UnaryFn } from "./handlers.ts";
import { modelInferHandler, modelStreamInferHandler } from "./infer.ts";
import { loadServices } from "./proto.ts";
import { toGrpcError } from "./response.ts";
import { type BidiCall, type Codec, grpcRouter, type Method } from "./transport.ts";
import type { ProtoInferResponse, ProtoStreamResponse } from "./proto.ts";
import type { ServerContext } from "../kserve/routes.ts";

export interface GrpcListener {
  readonly port: number;
  /** Lets running calls finish for up to `graceMs`, then closes every connection. */
  close(graceMs?: number): Promise<void>;
}

type Def = MethodDefinition<unknown, unknown>;

function codec(def: Def) {
  return {
    decode: (bytes: Uint8Array) => def.requestDeserialize(bytes as Buffer),
    encode: (value: unknown) => def.responseSerialize(value) as Uint8Array,
  };
}

/**
 * Keys of raw_output_contents (field 6 of ModelInferResponse) and infer_response (field 2 of
 * ModelStreamInferResponse), both length-delimited.
 */
const RAW_OUTPUT_KEY = (6 << 3) | 2;
const INFER_RESPONSE_KEY = (2 << 3) | 2;

/** A length-delimited field's key and length (a varint). */
function fieldHead(key: number, length: number): Uint8Array {
  const out = [key];
  // Bounded: seven bits per pass.
  for (; length >= 0x80; length = Math.floor(length / 0x80)) out.push((length & 0x7f) | 0x80);
  out.push(length);
  return new Uint8Array(out);
}

/**
 * A ModelInferResponse as pieces: protobufjs encodes all but raw_output_contents, whose tensors
 * follow as fields of their own, uncopied (protobufjs copied each into its buffer, and the gRPC
 * framing copied that again: for a 1 MiB identity call, more server CPU than the rest of it).
 */
function inferResponsePieces(infer: Def, response: ProtoInferResponse): Uint8Array[] {
  const pieces = [infer.responseSerialize({ ...response, raw_output_contents: [] }) as Uint8Array];
  for (const raw of response.raw_output_contents) {
    pieces.push(fieldHead(RAW_OUTPUT_KEY, raw.length), raw);
  }
  return pieces;
}

/** ModelInfer's codec, its responses encoded as pieces. */
function inferCodec(infer: Def) {
  return {
    ...codec(infer),
    encode: (value: unknown) => inferResponsePieces(infer, value as ProtoInferResponse),
  };
}

/** ModelStreamInfer's codec: a response's infer_response nested as pieces. */
function streamCodec(stream: Def, infer: Def) {
  return {
    ...codec(stream),
    encode(value: unknown) {
      const r = value as ProtoStreamResponse;
      if (r.infer_response === null) return stream.responseSerialize(r) as Uint8Array;
      const inner = inferResponsePieces(infer, r.infer_response);
      let length = 0;
      for (const p of inner) length += p.length;
      const outer = stream.responseSerialize({ ...r, infer_response: null }) as Uint8Array;
      return [outer, fieldHead(INFER_RESPONSE_KEY, length), ...inner];
    },
  };
}

/** A unary method from its message codec; handler errors become gRPC statuses. */
export function unaryMethod(messages: Codec, fn: UnaryFn): Method {
  return {
    kind: "unary",
    decode: (bytes) => messages.decode(bytes),
    encode: (value) => messages.encode(value),
    async handle(request, metadata) {
      try {
        return await fn(request, metadata);
      } catch (e) {
        throw toGrpcError(e);
      }
    },
  };
}

/** Only the implemented methods get paths; the rest are UNIMPLEMENTED as unknown paths. */
function methods(ctx: ServerContext): Map<string, Method> {
  const { inference, health } = loadServices();
  const table = new Map<string, Method>();
  const add = (service: ServiceDefinition, handlers: Record<string, UnaryFn>) => {
    for (const [name, fn] of Object.entries(handlers)) {
      const def = service[name] as Def;
      table.set(def.path, unaryMethod(codec(def), fn));
    }
  };
  add(inference, metadataHandlers(ctx));
  add(health, healthHandlers());
  const infer = inference.ModelInfer as Def;
  table.set(infer.path, unaryMethod(inferCodec(infer), modelInferHandler(ctx)));
  const stream = inference.ModelStreamInfer as Def;
  const open: (call: BidiCall) => void = modelStreamInferHandler(ctx);
  table.set(stream.path, { kind: "bidi", ...streamCodec(stream, infer), open });
  return table;
}

/** Far above any header list a gRPC client sends (their own default bound is 8 KiB). */
const MAX_HEADER_LIST = 64 << 10;

/** Long enough for a slow peer to read our GOAWAY, short enough to free a hostile one's socket. */
const CLOSE_GRACE_MS = 10_000;

/**
 * What one client may make a connection hold: its header lists, and the bytes waiting for it
 * to read. A response can be as large as the largest request (identity models echo it), so
 * the write queue allows two of those before it counts as a flood.
 */
export function serverLimits(maxBodyBytes: number): H2Limits {
  return {
    maxHeaderListSize: MAX_HEADER_LIST,
    maxWriteQueue: 2 * maxBodyBytes + (1 << 20),
    // Three frames per response of 10,000 concurrent calls, queued while the socket is full.
    maxQueuedFrames: 30_000,
    closeGraceMs: CLOSE_GRACE_MS,
  };
}

/**
 * Binds `host:port` (0 = any free port) and starts serving `table` (default: the Triton and
 * health services); rejects when binding fails.
 */
export function startGrpc(
  ctx: ServerContext,
  host: string,
  port: number,
  table: Map<string, Method> = methods(ctx),
): Promise<GrpcListener> {
  return listenGrpc(host, port, table, ctx.maxBodyBytes);
}

/** Binds `host:port` and serves `table`, accepting messages of up to `maxBodyBytes`. */
export function listenGrpc(
  host: string,
  port: number,
  table: Map<string, Method>,
  maxBodyBytes: number,
): Promise<GrpcListener> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: host, port, transport: "tcp" });
  } catch (e) {
    const address = host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
    return Promise.reject(
      new Error(`Cannot listen for gRPC on ${address}: ${(e as Error).message}`),
    );
  }
  const route = grpcRouter(table, maxBodyBytes);
  const limits = serverLimits(maxBodyBytes);
  const connections = new Set<H2ServerConnection>();
  let closed = false;
  const accepting = acceptEach(listener, (conn) => {
    conn.setNoDelay(true);
    const h2 = new H2ServerConnection(conn, route, limits);
    connections.add(h2);
    h2.run().finally(() => connections.delete(h2));
  }, () => closed);
  const close = () => {
    closed = true;
    listener.close();
  };
  return Promise.resolve(listening(listener.addr.port, close, accepting, connections));
}

function listening(
  port: number,
  closeListener: () => void,
  accepting: Promise<void>,
  connections: Set<H2ServerConnection>,
): GrpcListener {
  let closing: Promise<void> | undefined;
  return {
    port,
    close(graceMs = 1000): Promise<void> {
      closing ??= (async () => {
        closeListener();
        await accepting;
        // No GOAWAY: a Deno grpc-js client aborts on receiving one (denoland/deno#36788), and
        // a closed socket tells any client the same. Poll, bounded by the grace period.
        const deadline = performance.now() + graceMs;
        while (performance.now() < deadline && [...connections].some((c) => c.activeStreams > 0)) {
          await new Promise((r) => setTimeout(r, 10));
        }
        for (const c of connections) c.close();
      })();
      return closing;
    },
  };
}
