/**
 * Transport failures of the raw HTTP client, with short messages in curl's wording where
 * perf_analyzer users know them ("Couldn't connect to server").
 */

export class TransportError extends Error {
  override name = "TransportError";
  constructor(
    message: string,
    readonly phase: "connect" | "io",
    /** The peer's first bytes were an HTTP/2 frame: an HTTP/1.1 client dialled an h2 port. */
    readonly http2Peer = false,
  ) {
    super(message);
  }
}

export const COULD_NOT_CONNECT = "Couldn't connect to server";
export const COULD_NOT_RESOLVE = "Couldn't resolve host name";

/** "host:port" as dialled, an IPv6 host in brackets. */
export function dialledAddress(hostname: string, port: number): string {
  return `${hostname.includes(":") ? `[${hostname}]` : hostname}:${port}`;
}

/**
 * A failure to connect that names the address dialled, for the per-request errors of a run
 * (the control calls add advice, see backends/net/control_errors.ts). Other errors as they are.
 */
export function namingAddress(e: TransportError, address: string): TransportError {
  return e.message === COULD_NOT_CONNECT
    ? new TransportError(`${COULD_NOT_CONNECT} at ${address}`, e.phase)
    : e;
}

/** Maps a Deno.connect failure. DNS failures surface as plain errors mentioning the lookup. */
export function connectFailure(e: unknown): TransportError {
  const text = e instanceof Error ? e.message : String(e);
  const dns = /lookup|resolve|name or service|nodename/i.test(text) &&
    !(e instanceof Deno.errors.ConnectionRefused);
  return new TransportError(dns ? COULD_NOT_RESOLVE : COULD_NOT_CONNECT, "connect");
}

/**
 * Maps a read/write failure; `e` null means a clean EOF from the peer. `received` is what the
 * peer sent of the response so far: when that is an HTTP/2 frame the error is marked so.
 */
export function ioFailure(
  e: unknown,
  midResponse: boolean,
  received?: Uint8Array,
): TransportError {
  const failure = plainIoFailure(e, midResponse);
  return received !== undefined && isHttp2Frame(received)
    ? new TransportError(failure.message, "io", true)
    : failure;
}

function plainIoFailure(e: unknown, midResponse: boolean): TransportError {
  if (e === null) {
    return new TransportError(
      midResponse
        ? "Server closed the connection before the response was complete"
        : "Server closed the connection without responding",
      "io",
    );
  }
  if (e instanceof TransportError) return e;
  if (e instanceof Deno.errors.ConnectionReset) {
    return new TransportError("Connection reset by peer", "io");
  }
  if (e instanceof Deno.errors.BrokenPipe) return new TransportError("Broken pipe", "io");
  if (e instanceof Deno.errors.ConnectionAborted) {
    return new TransportError("Connection aborted", "io");
  }
  return new TransportError(e instanceof Error ? e.message : String(e), "io");
}

/** HTTP/2 frame types an h2 server sends first: its SETTINGS, or GOAWAY for our bad preface. */
const SETTINGS = 0x4;
const GOAWAY = 0x7;

/**
 * Whether `bytes` start with an HTTP/2 connection-level SETTINGS or GOAWAY frame header (type
 * at offset 3, stream id 0 in bytes 5-8): what an h2 server (a gRPC port) answers an HTTP/1.1
 * request with. An HTTP/1.x reply starts with "HTTP/", whose fourth byte is "P".
 */
export function isHttp2Frame(bytes: Uint8Array): boolean {
  if (bytes.length < 9) return false;
  const type = bytes[3];
  return (type === SETTINGS || type === GOAWAY) &&
    (bytes[5] & 0x7f) === 0 && bytes[6] === 0 && bytes[7] === 0 && bytes[8] === 0;
}
