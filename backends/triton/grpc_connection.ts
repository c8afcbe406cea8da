/**
 * What every gRPC connection of the backend shares: the target address from -u, -H headers as
 * call metadata, and the channel options (compression, one HTTP/2 connection per client).
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import { isIP } from "node:net";
import { checkServerIdentity, type PeerCertificate } from "node:tls";
import type { TlsOptions } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { isHttpsUrl, parseServerUrl } from "../net/http_url.ts";
import { loadTls, type TlsMaterial } from "../net/tls_connect.ts";

/** Triton's gRPC port, used when -u names a host without one. */
export const DEFAULT_GRPC_PORT = 8001;

export type GrpcCompression = "none" | "gzip" | "deflate";

/** grpc-js's CompressionAlgorithms values. */
const COMPRESSION_CODES: Record<GrpcCompression, number> = { none: 0, deflate: 1, gzip: 2 };

/**
 * "host:port" for grpc-js from `host[:port]` (an http:// prefix is tolerated); `defaultPort`
 * is the server's well-known port (Triton's unless the service kind says otherwise).
 */
export function grpcAddress(url: string, defaultPort = DEFAULT_GRPC_PORT): string {
  const target = parseServerUrl(url);
  const hasPort = /:\d+$/.test(target.hostHeader);
  const port = hasPort ? target.port : defaultPort;
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  return `${host}:${port}`;
}

/**
 * The TLS material of --ssl-grpc-use-ssl, loaded once; undefined for a cleartext channel. As in
 * perf_analyzer, the flag (not a URL scheme) turns TLS on, so an https:// URL is refused.
 */
export function grpcTls(url: string, tls: TlsOptions | undefined): TlsMaterial | undefined {
  if (isHttpsUrl(url)) {
    throw new RunError(
      `'${url}': gRPC takes -u host:port; use --ssl-grpc-use-ssl for a TLS channel`,
    );
  }
  if (tls === undefined) return undefined;
  const written = parseServerUrl(url).hostHeader;
  const host = written.startsWith("[")
    ? written.slice(1, written.indexOf("]"))
    : written.replace(/:\d+$/, "");
  return loadTls(tls, host, url.trim());
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
export function newGrpcClient(
  address: string,
  compression: GrpcCompression,
  tls?: TlsMaterial,
): grpc.Client {
  const options: grpc.ClientOptions = {
    "grpc.use_local_subchannel_pool": 1,
    // Triton accepts messages of any size; grpc-js would refuse replies over 4 MB.
    "grpc.max_receive_message_length": -1,
    "grpc.max_send_message_length": -1,
  };
  if (compression !== "none") {
    options["grpc.default_compression_algorithm"] = COMPRESSION_CODES[compression];
  }
  if (tls === undefined) {
    return new grpc.Client(address, grpc.credentials.createInsecure(), options);
  }
  // The address is dialled (localhost pinned to 127.0.0.1); the certificate must name the host
  // as written, as with the hand-written client. grpc-js sends the override as SNI, and Deno's
  // node:tls throws for an IP there, so an IP host gets a placeholder SNI name while
  // checkServerIdentity (grpcCredentials) still checks the certificate against the IP.
  options["grpc.ssl_target_name_override"] = isIP(tls.serverName) ? IP_SNI : tls.serverName;
  options["grpc.default_authority"] = tls.serverName;
  return new grpc.Client(address, grpcCredentials(tls), options);
}

/** SNI for IP hosts (RFC 6066 forbids IPs there); never a real name (.invalid, RFC 2606). */
const IP_SNI = "ip-address.invalid";

function grpcCredentials(tls: TlsMaterial): grpc.ChannelCredentials {
  const pem = (text: string | undefined) => text === undefined ? null : Buffer.from(text);
  return grpc.credentials.createSsl(
    tls.caCerts.length === 0 ? null : Buffer.from(tls.caCerts.join("\n")),
    pem(tls.key),
    pem(tls.cert),
    {
      checkServerIdentity: (_sni: string, cert: PeerCertificate) =>
        tls.verifyHost ? checkServerIdentity(tls.serverName, cert) : undefined,
    },
  );
}
