/**
 * The reference server behind TLS fronts (server/tls.ts): the real listeners run in cleartext
 * on 127.0.0.1 with OS-picked ports, and the fronts take the ports and host the caller asked
 * for. The returned server reports the fronts: `url` is "https://HOST:PORT" (what -u takes for
 * HTTPS) and `grpcUrl` stays "HOST:PORT" (gRPC turns TLS on with --ssl-grpc-use-ssl).
 */
import type { ResolvedOptions } from "./options.ts";
import type { ReferenceServer } from "./server.ts";
import { startTlsFront, type TlsFront } from "./tls.ts";

function hostPort(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

export async function startBehindTls(
  options: ResolvedOptions,
  start: (inner: ResolvedOptions) => Promise<ReferenceServer>,
): Promise<ReferenceServer> {
  const files = options.tls!;
  const inner = await start({
    ...options,
    host: "127.0.0.1",
    httpPort: 0,
    grpcPort: options.grpcPort === undefined ? undefined : 0,
    tfservingPort: options.tfservingPort === undefined ? undefined : 0,
    tls: undefined,
  });
  const fronts: TlsFront[] = [];
  const h2Front = (port: number | undefined, innerPort: number | undefined) => {
    if (innerPort === undefined) return undefined;
    const front = startTlsFront(files, options.host, port!, innerPort, ["h2"]);
    fronts.push(front);
    return front;
  };
  let http: TlsFront, grpc: TlsFront | undefined, tfserving: TlsFront | undefined;
  try {
    http = startTlsFront(files, options.host, options.httpPort, inner.httpPort, ["http/1.1"]);
    fronts.push(http);
    grpc = h2Front(options.grpcPort, inner.grpcPort);
    tfserving = h2Front(options.tfservingPort, inner.tfservingPort);
  } catch (e) {
    await Promise.all([...fronts.map((f) => f.close()), inner.close()]);
    throw e;
  }
  let closing: Promise<void> | undefined;
  return {
    ...inner,
    groundTruth: (model) => inner.groundTruth(model),
    sequences: (model) => inner.sequences(model),
    host: options.host,
    httpPort: http.port,
    url: `https://${hostPort(options.host, http.port)}`,
    grpcPort: grpc?.port,
    grpcUrl: grpc === undefined ? undefined : hostPort(options.host, grpc.port),
    tfservingPort: tfserving?.port,
    tfservingUrl: tfserving === undefined ? undefined : hostPort(options.host, tfserving.port),
    close(): Promise<void> {
      // Fronts first, so no new connection reaches a listener that is shutting down.
      closing ??= Promise.all(fronts.map((f) => f.close())).then(() => inner.close());
      return closing;
    },
  };
}
