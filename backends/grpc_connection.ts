/**
 * What every gRPC connection of the backend shares: the target address from -u, -H headers as
 * call metadata, and the channel options (compression, one HTTP/2 connection per client).
 */
import * as grpc from "@grpc/grpc-js";
import { RunError } from "../core/errors.ts";
import { parseServerUrl } from "./http_url.ts";

/** Triton's gRPC port, used when -u names a host without one. */
export const DEFAULT_GRPC_PORT = 8001;

export type GrpcCompression = "none" | "gzip" | "deflate";

/** grpc-js's CompressionAlgorithms values. */
const COMPRESSION_CODES: Record<GrpcCompression, number> = { none: 0, deflate: 1, gzip: 2 };

/** "host:port" for grpc-js from `host[:port]` (an http:// prefix is tolerated). */
export function grpcAddress(url: string): string {
  const target = parseServerUrl(url);
  const hasPort = /:\d+$/.test(target.hostHeader);
  const port = hasPort ? target.port : DEFAULT_GRPC_PORT;
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  return `${host}:${port}`;
}

export function parseCompression(value: string | undefined): GrpcCompression {
  const v = (value ?? "none").toLowerCase();
  if (v === "none" || v === "gzip" || v === "deflate") return v;
  throw new RunError(
    `unsupported gRPC compression algorithm '${value}': use none, gzip or deflate`,
  );
}

/** -H headers as call metadata; gRPC keys are lowercase and must be valid header names. */
export function headersToMetadata(headers: [string, string][]): grpc.Metadata {
  const md = new grpc.Metadata();
  for (const [name, value] of headers) {
    try {
      md.add(name.trim().toLowerCase(), value.trim());
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new RunError(`invalid header '${name}' for gRPC metadata: ${why}`);
    }
  }
  return md;
}

/**
 * A client with its own HTTP/2 connection. grpc-js otherwise shares one connection among all
 * clients with the same target and options (its global subchannel pool), which would defeat
 * spreading channels over several connections.
 */
export function newGrpcClient(address: string, compression: GrpcCompression): grpc.Client {
  const options: grpc.ClientOptions = {
    "grpc.use_local_subchannel_pool": 1,
    // Triton accepts messages of any size; grpc-js would refuse replies over 4 MB.
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
  };
  if (compression !== "none") {
    options["grpc.default_compression_algorithm"] = COMPRESSION_CODES[compression];
  }
  return new grpc.Client(address, grpc.credentials.createInsecure(), options);
}
