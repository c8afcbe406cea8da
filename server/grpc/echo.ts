/**
 * A generic unary gRPC test service for --service-kind dynamic_grpc, on its own listener:
 * /test.Echo/Echo answers each request with its own bytes, except the message "fail", which
 * it answers INVALID_ARGUMENT, as /test.Echo/Fail answers every request. Messages are opaque bytes (no proto is needed to echo them), and the
 * service counts what it received as the ground truth a test compares a run's report with.
 */
import { GrpcCode } from "../../wire/grpc/status.ts";
import { type GrpcListener, listenGrpc } from "./server.ts";
import type { Method } from "./transport.ts";
import { hostPort } from "../server.ts";

export const ECHO_METHOD = "test.Echo/Echo";
export const FAIL_METHOD = "test.Echo/Fail";
/** The message /test.Echo/Echo refuses. */
export const FAIL_MESSAGE = "fail";
export const FAIL_DETAILS = "test.Echo refused the message";

/** What the service received, as counted when each call arrived. */
export interface EchoTruth {
  /** Calls answered OK with their request's bytes. */
  echoed: number;
  /** Calls answered INVALID_ARGUMENT. */
  failed: number;
  /** How many calls (of either method) carried each distinct message, keyed by its hex. */
  messages: Map<string, number>;
}

export interface EchoServer {
  /** "HOST:PORT" for -u. */
  readonly url: string;
  truth(): EchoTruth;
  close(): Promise<void>;
}

/** Large enough for any test message; the listener refuses larger ones. */
const MAX_MESSAGE = 4 << 20;

export function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Starts the echo service on `host` (loopback) and a free port. */
export async function startEchoServer(host = "127.0.0.1"): Promise<EchoServer> {
  const truth: EchoTruth = { echoed: 0, failed: 0, messages: new Map() };
  const count = (bytes: Uint8Array) => {
    const key = hex(bytes);
    truth.messages.set(key, (truth.messages.get(key) ?? 0) + 1);
    return key;
  };
  const refuse = (): never => {
    truth.failed++;
    throw { code: GrpcCode.INVALID_ARGUMENT, details: FAIL_DETAILS };
  };
  const refused = hex(new TextEncoder().encode(FAIL_MESSAGE));
  const raw = {
    decode: (bytes: Uint8Array) => bytes,
    encode: (value: unknown) => value as Uint8Array,
  };
  const table = new Map<string, Method>([
    [`/${ECHO_METHOD}`, {
      kind: "unary",
      ...raw,
      handle(request) {
        const key = count(request as Uint8Array);
        if (key === refused) return refuse();
        truth.echoed++;
        return request;
      },
    }],
    [`/${FAIL_METHOD}`, {
      kind: "unary",
      ...raw,
      handle(request) {
        count(request as Uint8Array);
        return refuse();
      },
    }],
  ]);
  const listener: GrpcListener = await listenGrpc(host, 0, table, MAX_MESSAGE);
  return {
    url: hostPort(host, listener.port),
    truth: () => ({ ...truth, messages: new Map(truth.messages) }),
    close: () => listener.close(),
  };
}
