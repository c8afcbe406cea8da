/** Parses the -u value for the HTTP backend into where to connect and what to send as Host. */
import type { TlsOptions } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import type { TlsMaterial } from "../../wire/net/tls_connect.ts";
import type { Connector } from "../../wire/net/byte_stream.ts";
import { DEFAULT_TLS, loadTls } from "./tls_files.ts";

export interface ServerTarget {
  /** Address passed to Deno.connect ("localhost" is pinned to 127.0.0.1). */
  hostname: string;
  port: number;
  /** Value of the Host header: the authority exactly as the user wrote it. */
  hostHeader: string;
  /** Set for https:// URLs: the connection is TLS with these certificates and checks. */
  tls?: TlsMaterial;
  /** -u named no port, so `port` is curl's default for the scheme. */
  defaulted?: boolean;
  /** Opens the plain-TCP connections instead of Deno.connect (a kind's choice, see HttpTarget). */
  connect?: Connector;
}

/** curl (which perf_analyzer uses) defaults to port 80 (443 for https) when the URL names none. */
const DEFAULT_PORT = 80;
const DEFAULT_TLS_PORT = 443;

/**
 * The HTTP target of -u: as with curl, the https:// scheme alone decides TLS. `tls` (the
 * --ssl-https-* flags) only tunes it, so it is refused for a URL that is not https://.
 */
export function resolveHttpTarget(url: string, tls: TlsOptions | undefined): ServerTarget {
  const target = parseServerUrl(url);
  if (!isHttpsUrl(url)) {
    if (tls !== undefined) {
      throw new RunError(`TLS options were given but '${url}' is not an https:// URL`);
    }
    return target;
  }
  const host = target.hostHeader.startsWith("[")
    ? target.hostHeader.slice(1, target.hostHeader.indexOf("]"))
    : target.hostHeader.replace(/:\d+$/, "");
  target.tls = loadTls(tls ?? DEFAULT_TLS, host, url.trim());
  return target;
}

export function isHttpsUrl(url: string): boolean {
  return /^https:\/\//i.test(url.trim());
}

/** Accepts `host[:port]`, `http(s)://host[:port][/]` and bracketed IPv6 (`[::1]:8000`). */
export function parseServerUrl(url: string): ServerTarget {
  const raw = url.trim();
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//.exec(raw);
  let rest = raw;
  let defaultPort = DEFAULT_PORT;
  if (scheme) {
    const name = scheme[1].toLowerCase();
    if (name !== "http" && name !== "https") {
      throw new RunError(`unsupported URL scheme '${name}://' in '${raw}': use host:port`);
    }
    if (name === "https") defaultPort = DEFAULT_TLS_PORT;
    rest = raw.slice(scheme[0].length);
  }
  const slash = rest.indexOf("/");
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? "" : rest.slice(slash);
  if (path !== "" && path !== "/") {
    throw new RunError(
      `URL path prefixes are not supported: '${raw}' (the server must serve /v2 at its root)`,
    );
  }
  if (authority.includes("@")) {
    throw new RunError(`user credentials in the URL are not supported: '${raw}'`);
  }
  const { host, port, defaulted } = splitAuthority(authority, raw, defaultPort);
  const hostname = host.toLowerCase() === "localhost" ? "127.0.0.1" : host;
  return { hostname, port, hostHeader: authority, defaulted };
}

function splitAuthority(
  authority: string,
  raw: string,
  defaultPort: number,
): { host: string; port: number; defaulted: boolean } {
  let host: string;
  let portText = "";
  if (authority.startsWith("[")) {
    const close = authority.indexOf("]");
    if (close < 0) throw new RunError(`invalid IPv6 address in URL '${raw}'`);
    host = authority.slice(1, close);
    const after = authority.slice(close + 1);
    if (after !== "" && !after.startsWith(":")) throw new RunError(`invalid URL '${raw}'`);
    if (after === ":") throw new RunError(`missing port in URL '${raw}'`);
    portText = after.slice(1);
  } else {
    const colon = authority.indexOf(":");
    if (colon !== authority.lastIndexOf(":")) {
      throw new RunError(`invalid URL '${raw}': write IPv6 addresses as [addr]:port`);
    }
    host = colon < 0 ? authority : authority.slice(0, colon);
    portText = colon < 0 ? "" : authority.slice(colon + 1);
    if (colon >= 0 && portText === "") throw new RunError(`missing port in URL '${raw}'`);
  }
  if (host === "") throw new RunError(`missing host in URL '${raw}'`);
  if (portText === "") return { host, port: defaultPort, defaulted: true };
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : NaN;
  if (!(port >= 1 && port <= 65535)) throw new RunError(`invalid port in URL '${raw}'`);
  return { host, port, defaulted: false };
}
