/**
 * Transport failures of the raw HTTP client, with short messages in curl's wording where
 * perf_analyzer users know them ("Couldn't connect to server").
 */

export class TransportError extends Error {
  override name = "TransportError";
  constructor(message: string, readonly phase: "connect" | "io") {
    super(message);
  }
}

export const COULD_NOT_CONNECT = "Couldn't connect to server";
export const COULD_NOT_RESOLVE = "Couldn't resolve host name";

/** Maps a Deno.connect failure. DNS failures surface as plain errors mentioning the lookup. */
export function connectFailure(e: unknown): TransportError {
  const text = e instanceof Error ? e.message : String(e);
  const dns = /lookup|resolve|name or service|nodename/i.test(text) &&
    !(e instanceof Deno.errors.ConnectionRefused);
  return new TransportError(dns ? COULD_NOT_RESOLVE : COULD_NOT_CONNECT, "connect");
}

/** Maps a read/write failure; `e` null means a clean EOF from the peer. */
export function ioFailure(e: unknown, midResponse: boolean): TransportError {
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
