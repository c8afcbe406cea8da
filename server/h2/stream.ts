/**
 * One HTTP/2 stream of the gRPC listener, server side: the request headers and body as
 * callbacks, the response as headers, flow-controlled DATA and trailers (RFC 9113 §5.1, §6.9).
 */
import { Flag, frame, FrameType } from "../../wire/h2/frames.ts";
import { encodeHeaders, type HeaderList } from "../../wire/h2/hpack.ts";
import type { StreamOwner } from "../../wire/h2/connection.ts";
import { OutgoingData } from "../../wire/h2/outgoing_data.ts";

export class ServerStream {
  /** Body bytes as they arrive: a view of the connection's read buffer, copy it to keep it. */
  ondata: ((chunk: Uint8Array) => void) | undefined;
  /** The client half-closed its side. */
  onend: (() => void) | undefined;
  /** The client reset the stream or the connection went away. */
  onreset: (() => void) | undefined;

  sendWindow: number;
  /** Bytes received since the last WINDOW_UPDATE for this stream. */
  unacked = 0;
  remoteClosed = false;
  #localClosed = false;
  #reset = false;
  readonly #out = new OutgoingData();
  #trailers: HeaderList | undefined;

  constructor(
    readonly id: number,
    readonly headers: ReadonlyMap<string, string>,
    private readonly owner: StreamOwner<ServerStream>,
    initialWindow: number,
  ) {
    this.sendWindow = initialWindow;
  }

  /** Neither reset nor answered completely yet. */
  get open(): boolean {
    return !this.#reset && !this.#localClosed;
  }

  respond(headers: HeaderList): void {
    if (!this.open) return;
    this.owner.send(frame(FrameType.HEADERS, Flag.END_HEADERS, this.id, encodeHeaders(headers)));
  }

  write(data: Uint8Array): void {
    if (!this.open || this.#trailers !== undefined) return;
    this.#out.push(data);
    this.flush();
  }

  /** Trailers close the stream once every queued DATA byte is sent. */
  end(trailers: HeaderList): void {
    if (!this.open || this.#trailers !== undefined) return;
    this.#trailers = trailers;
    this.flush();
  }

  /** Headers-only answer (gRPC "Trailers-Only"), closing the stream at once. */
  endWithHeaders(headers: HeaderList): void {
    if (this.open) this.#closeWith(headers);
  }

  /** Sends what the windows allow (the rest waits for WINDOW_UPDATE), then any trailers. */
  flush(): void {
    if (!this.open || !this.#out.flush(this, this.owner, false)) return;
    if (this.#trailers !== undefined) this.#closeWith(this.#trailers);
  }

  /** RST_STREAM from the peer, or the connection is gone. */
  reset(): void {
    if (this.#reset) return;
    this.#reset = true;
    this.#out.clear();
    this.owner.finished(this);
    this.onreset?.();
  }

  /** END_STREAM from the peer. */
  endRemote(): void {
    this.remoteClosed = true;
    if (this.#localClosed) this.owner.finished(this);
    this.onend?.();
  }

  /** One HEADERS frame that ends our side. */
  #closeWith(headers: HeaderList): void {
    const flags = Flag.END_HEADERS | Flag.END_STREAM;
    this.owner.send(frame(FrameType.HEADERS, flags, this.id, encodeHeaders(headers)));
    this.#localClosed = true;
    if (this.remoteClosed) this.owner.finished(this);
  }
}
