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
 * `alpn` is what the front offers ("h2" for gRPC, "http/1.1" for HTTP).
 */
export function startTlsFront(
  files: ServerTlsFiles,
  host: string,
  port: number,
  targetPort: number,
  alpn: string[],
): Promise<TlsFront> {
  const mutual = files.clientCaFile !== undefined;
  const server = tls.createServer({
    cert: read(files.certFile, "--tls-cert"),
    key: read(files.keyFile, "--tls-key"),
    ca: mutual ? [read(files.clientCaFile!, "--tls-client-ca")] : undefined,
    requestCert: mutual,
    rejectUnauthorized: mutual,
    ALPNProtocols: alpn,
  });
  const sockets = new Set<net.Socket>();
  const track = (s: net.Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    // A peer that resets is normal (clients close at the end of a run): drop both sides.
    s.on("error", () => s.destroy());
  };
  server.on("secureConnection", (client: tls.TLSSocket) => {
    const upstream = net.connect({ host: "127.0.0.1", port: targetPort });
    track(client);
    track(upstream);
    upstream.setNoDelay(true);
    client.setNoDelay(true);
    client.pipe(upstream);
    upstream.pipe(client);
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
  });
  // Failed handshakes (wrong CA, no client certificate) are the client's problem, not ours.
  server.on("tlsClientError", () => {});
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => {
      server.off("error", reject);
      let closing: Promise<void> | undefined;
      resolve({
        port: (server.address() as net.AddressInfo).port,
        close: () =>
          closing ??= new Promise<void>((done) => {
            server.close(() => done());
            for (const s of sockets) s.destroy();
          }),
      });
    });
  });
}
