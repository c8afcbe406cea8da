/**
 * Listeners that survive running out of file descriptors (EMFILE): an accept that fails is
 * retried after a back-off instead of ending the listener (or, for Deno.serve, the process).
 * A client that opens more connections than the server's limit then sees refused or reset
 * connections while the limit lasts, and a working server once its connections close.
 */

const FIRST_BACKOFF_MS = 10;
const MAX_BACKOFF_MS = 1000;

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Hands every accepted connection to `onConn` until `closed()` turns true (the caller closed
 * the listener). A failed accept otherwise waits 10 ms, doubling to 1 s while they keep
 * failing, and tries again.
 */
export async function acceptEach<C extends Deno.Conn>(
  listener: Deno.Listener<C>,
  onConn: (conn: C) => void,
  closed: () => boolean,
): Promise<void> {
  let backoff = FIRST_BACKOFF_MS;
  // Bounded by close(): every pass accepts, waits at most 1 s, or ends.
  while (!closed()) {
    let conn: C;
    try {
      conn = await listener.accept();
    } catch {
      if (closed()) return;
      await sleepMs(backoff);
      backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      continue;
    }
    backoff = FIRST_BACKOFF_MS;
    onConn(conn);
  }
}

export interface HttpListener {
  readonly port: number;
  /** Lets in-flight requests finish and stops listening (also a pending restart). */
  shutdown(): Promise<void>;
}

/**
 * Deno.serve on host:port, restarted on the same port whenever it fails: Deno 2.9 ends its
 * accept loop at the first EMFILE, rejecting `finished` (unhandled, that killed the process).
 * Throws like Deno.serve when the first bind fails.
 */
export function serveHttp(
  hostname: string,
  port: number,
  handler: (req: Request) => Response | Promise<Response>,
): HttpListener {
  // onListen silences Deno's default "Listening on ..." line.
  const start = (p: number) => Deno.serve({ hostname, port: p, onListen: () => {}, handler });
  let current = start(port);
  const bound = current.addr.port;
  let closing = false;
  let restarting: Promise<void> | undefined;
  const restart = async () => {
    let backoff = FIRST_BACKOFF_MS;
    // Bounded by shutdown(): every pass binds, or waits at most 1 s.
    while (!closing) {
      await sleepMs(backoff);
      if (closing) return;
      try {
        current = start(bound);
        watch(current);
        return;
      } catch {
        backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
      }
    }
  };
  const watch = (server: Deno.HttpServer) => {
    server.finished.catch(() => {
      if (!closing) restarting = restart().finally(() => restarting = undefined);
    });
  };
  watch(current);
  return {
    port: bound,
    async shutdown() {
      closing = true;
      await restarting;
      await current.shutdown().catch(() => {});
    },
  };
}
