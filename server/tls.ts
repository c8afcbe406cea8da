/**
 * TLS for the reference server: a TLS front on the public port that forwards each decrypted
 * connection to the cleartext listener on 127.0.0.1, so HTTP/1.1 (Deno.serve) and gRPC (the
 * hand-written HTTP/2 server) get TLS without changes.
 *
 * Why node:tls and not Deno.listenTls: Deno.listenTls cannot request or verify client
 * certificates (denoland/deno#26825), and the mutual-TLS tests need a server that refuses a
 * client without one. node:tls honours requestCert/ca in Deno 2.9 (measured: a client without
 * a certificate gets "CertificateRequired").
 */
import * as net from "node:net";
import * as tls from "node:tls";
import { Duplex } from "node:stream";
import { acceptEach } from "./listen.ts";

/** PEM file paths: the server certificate chain and key; clientCaFile turns on mutual TLS. */
export interface ServerTlsFiles {
  certFile: string;
  keyFile: string;
  /** Clients must present a certificate issued by this CA (PEM); absent = no client auth. */
  clientCaFile?: string;
}

export interface TlsFront {
  readonly port: number;
  close(): Promise<void>;
}

/** Checks the combination; RangeError names the option (like the other server options). */
export function checkServerTls(t: ServerTlsFiles | undefined): void {
  if (t === undefined) return;
  if (typeof t.certFile !== "string" || t.certFile === "") {
    throw new RangeError("Invalid tls: certFile (--tls-cert) is required");
  }
  if (typeof t.keyFile !== "string" || t.keyFile === "") {
    throw new RangeError("Invalid tls: keyFile (--tls-key) is required");
  }
}

function read(path: string, flag: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch (e) {
    throw new Error(`Cannot read ${flag} '${path}': ${(e as Error).message}`);
  }
}

/**
 * Listens with TLS on host:port and pipes every accepted connection to 127.0.0.1:targetPort.
 * `alpn` is what the front offers ("h2" for gRPC, "http/1.1" for HTTP). Throws when the port
 * cannot be bound or a file cannot be read.
 *
 * The accept loop is ours (acceptEach, server/listen.ts) and node:tls only runs the handshake
 * and the record layer over each accepted connection: node:tls's own listener in Deno 2.9
 * stops accepting for good after one failed accept (measured: with the open-file limit
 * reached, it accepted no connection again once the others closed), where acceptEach backs
 * off and carries on.
 */
export function startTlsFront(
  files: ServerTlsFiles,
  host: string,
  port: number,
  targetPort: number,
  alpn: string[],
): TlsFront {
  const mutual = files.clientCaFile !== undefined;
  const secureContext = tls.createSecureContext({
    cert: read(files.certFile, "--tls-cert"),
    key: read(files.keyFile, "--tls-key"),
    ca: mutual ? [read(files.clientCaFile!, "--tls-client-ca")] : undefined,
  });
  const listener = Deno.listen({ hostname: host, port });
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    // A peer that resets is normal (clients close at the end of a run), and a failed
    // handshake (wrong CA, no client certificate) is the client's problem: drop the socket.
    s.on("error", () => s.destroy());
  };
  const serve = (conn: Deno.TcpConn) => {
    conn.setNoDelay(true);
    const raw = connStream(conn);
    const client = new tls.TLSSocket(raw, {
      isServer: true,
      secureContext,
      requestCert: mutual,
      rejectUnauthorized: mutual,
      ALPNProtocols: alpn,
    });
    track(client);
    // The descriptor is freed however the TLS side ends; a failed read or write (a reset)
    // ends the TLS side, and an 'error' without a listener would be thrown.
    client.on("close", () => raw.destroy());
    raw.on("error", () => client.destroy());
    let secure = false;
    // Deno's TLSSocket does not end when the stream under it does: a client that hangs up
    // would hold its descriptor for ever. Before the handshake nothing is owed to it.
    raw.on("end", () => secure ? client.end() : client.destroy());
    client.on("secure", () => {
      secure = true;
      const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
      track(upstream);
      upstream.setNoDelay(true);
      client.pipe(upstream);
      upstream.pipe(client);
      client.on("close", () => upstream.destroy());
      upstream.on("close", () => client.destroy());
    });
  };
  let closed = false;
  const accepting = acceptEach(listener, serve, () => closed);
  let closing: Promise<void> | undefined;
  return {
    port: (listener.addr as Deno.NetAddr).port,
    close: () =>
      closing ??= (async () => {
        closed = true;
        listener.close();
        await accepting;
        for (const s of sockets) s.destroy();
      })(),
  };
}

/** A Deno connection as the Node stream node:tls reads and writes; destroying it closes it. */
function connStream(conn: Deno.Conn): Duplex {
  const buf = new Uint8Array(64 * 1024);
  return new Duplex({
    read() {
      conn.read(buf).then(
        (n) => this.push(n === null ? null : buf.slice(0, n)),
        (e) => this.destroy(e),
      );
    },
    write(chunk: Uint8Array, _encoding, done) {
      writeAll(conn, chunk).then(() => done(), done);
    },
    final(done) {
      conn.closeWrite().then(() => done(), () => done());
    },
    destroy(error, done) {
      try {
        conn.close();
      } catch { /* already closed */ }
      done(error);
    },
  });
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  // Bounded by the bytes: every write takes at least one.
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}
