/**
 * Test helper: a raw TCP server on 127.0.0.1 (OS-picked port) whose handler sees the bytes, so
 * tests control framing exactly (split writes, chunking, abrupt closes). Not a test itself.
 */

export interface RawServer {
  port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Stops listening, closes every connection and waits for handlers; rethrows handler errors. */
  close(): Promise<void>;
}

export type ConnHandler = (conn: Deno.Conn, reader: RequestReader, index: number) => Promise<void>;

export function startRawServer(handler: ConnHandler): RawServer {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns = new Set<Deno.Conn>();
  const running: Promise<void>[] = [];
  const errors: unknown[] = [];
  let accepted = 0;
  const acceptLoop = (async () => {
    try {
      for await (const conn of listener) {
        conns.add(conn);
        // Without NODELAY, split writes would stall on delayed ACKs.
        (conn as Deno.TcpConn).setNoDelay(true);
        const index = accepted++;
        running.push(
          handler(conn, new RequestReader(conn), index)
            .catch((e) => {
              if (!isPeerGone(e)) errors.push(e);
            })
            .finally(() => {
              conns.delete(conn);
              closeQuietly(conn);
            }),
        );
      }
    } catch (e) {
      if (!(e instanceof Deno.errors.BadResource)) errors.push(e);
    }
  })();
  return {
    port: (listener.addr as Deno.NetAddr).port,
    get accepted() {
      return accepted;
    },
    async close() {
      listener.close();
      await acceptLoop;
      for (const c of conns) closeQuietly(c);
      await Promise.all(running);
      if (errors.length > 0) throw errors[0];
    },
  };
}

function isPeerGone(e: unknown): boolean {
  return e instanceof Deno.errors.BadResource || e instanceof Deno.errors.ConnectionReset ||
    e instanceof Deno.errors.BrokenPipe || e instanceof Deno.errors.Interrupted;
}

function closeQuietly(c: Deno.Conn): void {
  try {
    c.close();
  } catch { /* already closed */ }
}

export interface RawRequest {
  /** Request line and headers as text (no trailing blank line). */
  head: string;
  headers: Map<string, string>;
  body: Uint8Array;
  /** Everything received for this request, byte for byte. */
  raw: Uint8Array;
}

/** Reads whole requests (Content-Length framed) from a connection, keeping leftovers. */
export class RequestReader {
  #pending = new Uint8Array(0);
  constructor(private readonly conn: Deno.Conn) {}

  /** Next request, or null when the client closed the connection. */
  async next(): Promise<RawRequest | null> {
    for (let i = 0; i < 100_000; i++) {
      const req = this.#take();
      if (req) return req;
      const chunk = new Uint8Array(65536);
      const n = await this.conn.read(chunk);
      if (n === null) return null;
      const merged = new Uint8Array(this.#pending.length + n);
      merged.set(this.#pending);
      merged.set(chunk.subarray(0, n), this.#pending.length);
      this.#pending = merged;
    }
    throw new Error("request never completed");
  }

  #take(): RawRequest | null {
    const text = new TextDecoder("latin1").decode(this.#pending);
    const headEnd = text.indexOf("\r\n\r\n");
    if (headEnd < 0) return null;
    const head = text.slice(0, headEnd);
    const headers = new Map<string, string>();
    for (const line of head.split("\r\n").slice(1)) {
      const c = line.indexOf(":");
      headers.set(line.slice(0, c).trim().toLowerCase(), line.slice(c + 1).trim());
    }
    const length = Number(headers.get("content-length") ?? "0");
    const total = headEnd + 4 + length;
    if (this.#pending.length < total) return null;
    const raw = this.#pending.slice(0, total);
    this.#pending = this.#pending.slice(total);
    return { head, headers, body: raw.subarray(headEnd + 4), raw };
  }
}

const enc = new TextEncoder();

/**
 * Writes all of `data`, optionally one `pieceSize` slice per write with a macrotask pause in
 * between so the client really sees the pieces in separate reads.
 */
export async function writeAll(conn: Deno.Conn, data: string | Uint8Array, pieceSize = 0) {
  const bytes = typeof data === "string" ? enc.encode(data) : data;
  const step = pieceSize > 0 ? pieceSize : bytes.length;
  for (let at = 0; at < bytes.length;) {
    at += await conn.write(bytes.subarray(at, Math.min(bytes.length, at + step)));
    if (pieceSize > 0) await new Promise((r) => setTimeout(r, 0));
  }
}

/** A complete response with Content-Length; `extra` headers are inserted verbatim. */
export function httpResponse(status: number, body: string, extra = ""): string {
  const reason = status === 200 ? "OK" : "Error";
  return `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json\r\n${extra}` +
    `Content-Length: ${enc.encode(body).length}\r\n\r\n${body}`;
}

/** The connection target of a raw server, with the Host header the client sends. */
export function target(server: RawServer) {
  return { hostname: "127.0.0.1", port: server.port, hostHeader: `127.0.0.1:${server.port}` };
}

export const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
