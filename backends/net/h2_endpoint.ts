/**
 * One logical connection slot shared by a group of channels: the current HTTP/2 connection,
 * replaced by a new one when the server sends GOAWAY or the socket dies, so the next call
 * after a server-side connection close simply goes out on a fresh connection. A connection at
 * the server's concurrent-stream limit also gets a successor for new streams (new streams go
 * to the first connection with room), so calls are never refused for exceeding the limit.
 */
import { H2ClientConnection } from "./h2_client.ts";
import type { TlsMaterial } from "../../wire/net/tls_connect.ts";
import { dialledAddress, namingAddress, TransportError } from "../../wire/net/transport_error.ts";

export class H2Endpoint {
  #current: H2ClientConnection | undefined;
  #opening: Promise<H2ClientConnection> | undefined;
  /** Every connection not yet fully closed, draining ones included, for close(). */
  readonly #all = new Set<H2ClientConnection>();
  #closed = false;
  /** Connections opened so far (a test and diagnostics counter). */
  opened = 0;

  constructor(
    private readonly hostname: string,
    private readonly port: number,
    /** Set for --ssl-grpc-use-ssl: every connection is TLS (ALPN h2). */
    private readonly tls?: TlsMaterial,
  ) {}

  /**
   * A usable connection: synchronous on the hot path, a promise while (re)connecting.
   * Rejects with a TransportError when the server cannot be reached.
   */
  connection(): H2ClientConnection | Promise<H2ClientConnection> {
    const current = this.#current;
    if (current !== undefined && current.usable && !current.full) return current;
    if (this.#closed) return Promise.reject(new Error("channel closed"));
    // Bounded by the live connections (one, or a few when the server limits streams).
    for (const conn of this.#all) {
      if (conn.usable && !conn.full) return this.#current = conn;
    }
    this.#opening ??= this.#open();
    return this.#opening;
  }

  async #open(): Promise<H2ClientConnection> {
    try {
      const conn = await this.#dial();
      this.opened++;
      if (this.#closed) {
        conn.close();
        await conn.closed;
        throw new Error("channel closed");
      }
      this.#current = conn;
      this.#all.add(conn);
      conn.closed.then(() => this.#all.delete(conn));
      return conn;
    } finally {
      this.#opening = undefined;
    }
  }

  /** A new connection; a refused connect names the address, as a run's errors list it. */
  async #dial(): Promise<H2ClientConnection> {
    try {
      return await H2ClientConnection.open(this.hostname, this.port, this.tls);
    } catch (e) {
      if (!(e instanceof TransportError)) throw e;
      throw namingAddress(e, dialledAddress(this.hostname, this.port));
    }
  }

  /** Closes every connection and waits for their read loops to end. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#opening?.catch(() => {});
    const all = [...this.#all];
    for (const conn of all) conn.close();
    await Promise.all(all.map((c) => c.closed));
    this.#current = undefined;
  }
}
