/**
 * What every gRPC connection of a backend (Triton, TF Serving) shares: the target from -u, -H
 * headers as call metadata, TLS from --ssl-grpc-*, and the request compression.
 */
import type { TlsOptions } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { compressionOf, type GrpcCompression } from "./grpc_compression.ts";
import { isHttpsUrl, parseServerUrl } from "./http_url.ts";
import type { TlsMaterial } from "../../wire/net/tls_connect.ts";
import { loadTls } from "./tls_files.ts";

/** Where a backend's gRPC calls go: the dialled host and port, and the :authority they carry. */
export interface GrpcTarget {
  hostname: string;
  port: number;
  /** "host:port" as written (IPv6 in brackets). */
  authority: string;
  /** -u named no port, so `port` is the service kind's default. */
  defaulted?: boolean;
}

/**
 * "host:port" from `host[:port]` (an http:// prefix is tolerated); `defaultPort` is the
 * service kind's well-known port.
 */
export function grpcAddress(url: string, defaultPort: number): string {
  const target = parseServerUrl(url);
  const hasPort = /:\d+$/.test(target.hostHeader);
  const port = hasPort ? target.port : defaultPort;
  const host = target.hostname.includes(":") ? `[${target.hostname}]` : target.hostname;
  return `${host}:${port}`;
}

/** The address to dial and the :authority calls carry, from -u. */
export function grpcTarget(url: string, defaultPort: number): GrpcTarget {
  const authority = grpcAddress(url, defaultPort);
  const at = authority.lastIndexOf(":");
  const hostname = authority.slice(0, at).replace(/^\[(.*)\]$/, "$1");
  const port = Number(authority.slice(at + 1));
  const defaulted = !/:\d+$/.test(parseServerUrl(url).hostHeader);
  return { hostname, port, authority, defaulted };
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
  const compression = compressionOf(value);
  if (compression !== undefined) return compression;
  throw new RunError(
    `unsupported gRPC compression algorithm '${value}': use none, gzip or deflate`,
  );
}

/** gRPC metadata keys: lowercase letters, digits, "_", "-", "." (gRPC's PROTOCOL-HTTP2). */
const METADATA_KEY = /^[0-9a-z_.-]+$/;
/** Values of keys not ending in "-bin" are printable ASCII. */
const METADATA_VALUE = /^[ -~]*$/;

/** -H headers as call metadata: keys lowercased, both checked as gRPC requires. */
export function grpcMetadata(headers: [string, string][]): [string, string][] {
  return headers.map(([name, value]) => {
    const key = name.trim().toLowerCase();
    const text = value.trim();
    const why = !METADATA_KEY.test(key)
      ? `key "${key}" contains illegal characters`
      : !key.endsWith("-bin") && !METADATA_VALUE.test(text)
      ? `value for key "${key}" contains illegal characters`
      : "";
    if (why !== "") throw new RunError(`invalid header '${name}' for gRPC metadata: ${why}`);
    return [key, text];
  });
}
