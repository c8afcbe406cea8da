/**
 * TLS connections for the hand-written HTTP/1.1 and HTTP/2 clients, from material loaded once
 * per backend (backends/net/tls_files.ts reads the PEM files): the certificate is checked
 * against the name the user wrote in -u even though "localhost" is dialled as 127.0.0.1 (see
 * openTls), and handshake failures are explained with the flag that fixes them.
 *
 * Deno can relax hostname checking per connection (unsafelyDisableHostnameVerification) but has
 * no per-connection switch for chain verification: only the process-wide
 * `--unsafely-ignore-certificate-errors` flag does that. So verify-peer 0 connects normally
 * (it succeeds when Deno runs with that flag) and a chain failure names the flag.
 */
import { connectFailure, dialledAddress, TransportError } from "./transport_error.ts";

/** Everything a connection needs, loaded once. */
export interface TlsMaterial {
  /** Extra trusted roots (PEM), in addition to Deno's default roots. */
  caCerts: string[];
  /** Client certificate chain and key (PEM) for mutual TLS, or undefined. */
  cert?: string;
  key?: string;
  verifyPeer: boolean;
  verifyHost: boolean;
  /** The host as written in -u: the name the certificate must carry (and SNI). */
  serverName: string;
  /** The URL as the user wrote it, for error messages. */
  url: string;
}

/** Why a handshake failed, in words, with the flag that addresses it. */
function explain(reason: string, m: TlsMaterial, http: boolean): string {
  const ca = http ? "--ssl-https-ca-certificates-file" : "--ssl-grpc-root-certifications-file";
  if (/not valid for name|NotValidForName/i.test(reason)) {
    const fix = http ? "; --ssl-https-verify-host 0 skips this check" : "";
    return `certificate name mismatch: ${reason}${fix}`;
  }
  if (/UnknownIssuer|BadSignature|Expired|NotValidYet|invalid peer certificate/i.test(reason)) {
    const relax = http && !m.verifyPeer
      ? "; --ssl-https-verify-peer 0 needs Deno's process-wide flag: run with " +
        `\`deno run --unsafely-ignore-certificate-errors=${m.serverName} ...\``
      : "";
    return `certificate not trusted: ${reason} (pass the issuing CA with ${ca})${relax}`;
  }
  if (/CertificateRequired|peer sent no certificates/i.test(reason)) {
    const flags = http
      ? "--ssl-https-client-certificate-file and --ssl-https-private-key-file"
      : "--ssl-grpc-certificate-chain-file and --ssl-grpc-private-key-file";
    return `the server requires a client certificate: ${reason} (pass ${flags})`;
  }
  return reason;
}

/**
 * A handshake answered by a plain-text server (an HTTP/1.1 400 or HTTP/2 frames instead of a
 * ServerHello), with the way back to plain text; undefined for other failures.
 */
function plainTextPeer(reason: string, address: string, http: boolean): string | undefined {
  if (!/InvalidContentType|corrupt message/i.test(reason)) return undefined;
  const fix = http
    ? "speak plain HTTP? Then drop https:// from -u"
    : "speak plain-text gRPC? Then drop --ssl-grpc-use-ssl";
  return `${reason}: the server answered without TLS. Does ${address} ${fix}`;
}

/**
 * Opens a TLS connection and completes the handshake, so certificate errors surface here as a
 * connect-phase TransportError (one line: URL and reason) rather than on the first read.
 *
 * Without a client certificate: TCP connect to `hostname` (the dial address) then startTls
 * checking `serverName`, exactly the name written in -u. Deno.startTls cannot present a client
 * certificate (measured: the server gets none), so with one Deno.connectTls dials `serverName`
 * itself and resolves it by the system.
 */
export async function openTls(
  hostname: string,
  port: number,
  m: TlsMaterial,
  alpnProtocols?: string[],
): Promise<Deno.Conn> {
  const common = {
    caCerts: m.caCerts,
    alpnProtocols,
    unsafelyDisableHostnameVerification: !m.verifyHost,
  };
  let tcp: Deno.TcpConn | undefined;
  let conn: Deno.TlsConn | undefined;
  try {
    if (m.cert === undefined) {
      tcp = await Deno.connect({ hostname, port });
      tcp.setNoDelay(true);
      conn = await Deno.startTls(tcp, { ...common, hostname: m.serverName });
    } else {
      conn = await Deno.connectTls({
        ...common,
        hostname: m.serverName,
        port,
        cert: m.cert,
        key: m.key!,
      });
    }
    await conn.handshake();
    return conn;
  } catch (e) {
    try {
      (conn ?? tcp)?.close();
    } catch { /* already closed by the failed handshake */ }
    if (tcp === undefined && m.cert === undefined || isRefused(e)) throw e;
    const reason = e instanceof Error ? e.message : String(e);
    const http = alpnProtocols === undefined;
    const address = dialledAddress(hostname, port);
    const why = plainTextPeer(reason, address, http) ?? explain(reason, m, http);
    throw new TransportError(`TLS handshake with ${m.url} failed: ${why}`, "connect");
  }
}

/** A plain connect failure (no TLS involved): the caller maps it as for cleartext. */
function isRefused(e: unknown): boolean {
  return e instanceof Deno.errors.ConnectionRefused || e instanceof Deno.errors.NotFound ||
    e instanceof Deno.errors.AddrNotAvailable || e instanceof Deno.errors.TimedOut;
}

/**
 * A read or write error that is a TLS alert, explained; undefined for any other error. With
 * TLS 1.3 the server refuses a client certificate (or its absence) after the client's
 * handshake has completed, so the refusal arrives on the first read, not in openTls: as an
 * alert, or (measured with node:tls servers) as a close without close_notify. `fresh` = the
 * connection has not answered anything yet, the only time such a close means a refusal.
 */
export function tlsAlertFailure(
  e: unknown,
  m: TlsMaterial,
  http: boolean,
  fresh: boolean,
): TransportError | undefined {
  const reason = e instanceof Error ? e.message : String(e);
  let why: string;
  if (/fatal alert|peer certificate|CertificateRequired/i.test(reason)) {
    why = explain(reason, m, http);
  } else if (fresh && /close_notify|UnexpectedEof/i.test(reason)) {
    why = m.cert === undefined
      ? explain(
        "CertificateRequired (the server closed the connection after the handshake)",
        m,
        http,
      )
      : "the server closed the connection after the handshake: client certificate refused?";
  } else return undefined;
  return new TransportError(`TLS with ${m.url} failed: ${why}`, "connect");
}

/**
 * Opens a connection, sends `hello` and waits for the server's first bytes: proves the whole
 * TLS exchange (client certificate included) before a connection that would report a refusal
 * only as a lost connection is used.
 */
export async function probeTls(
  hostname: string,
  port: number,
  m: TlsMaterial,
  alpnProtocols: string[],
  hello: Uint8Array,
): Promise<void> {
  let conn: Deno.Conn;
  try {
    conn = await openTls(hostname, port, m, alpnProtocols);
  } catch (e) {
    throw e instanceof TransportError ? e : connectFailure(e);
  }
  try {
    await conn.write(hello);
    await conn.read(new Uint8Array(1024));
  } catch (e) {
    throw tlsAlertFailure(e, m, false, true) ?? e;
  } finally {
    conn.close();
  }
}
