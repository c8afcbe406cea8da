/** What the raw HTTP client reads and writes: a Deno.Conn, or a socket of our own. */

/** The read/write/close subset of Deno.Conn that wire/http1/connection.ts uses. */
export interface ByteStream {
  read(into: Uint8Array): Promise<number | null>;
  write(bytes: Uint8Array): Promise<number>;
  close(): void;
  /**
   * Set by a stream whose reads the kernel stamps (wire/net/kernel_tcp.ts): when the bytes of
   * the last read reached the socket, in monotonic nanoseconds (performance.now() × 1e6).
   */
  readonly receivedNs?: number;
}

/**
 * Monotonic nanoseconds since process start, as a float64 (exact for ~104 days): the clock of
 * receivedNs and of every stamp the HTTP client takes, so kernel and user stamps compare.
 */
export function nowNs(): number {
  return performance.now() * 1e6;
}

/** Opens a plain TCP stream to `hostname:port`, failing with the errors Deno.connect throws. */
export type Connector = (hostname: string, port: number) => Promise<ByteStream>;
