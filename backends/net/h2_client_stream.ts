/**
 * One HTTP/2 stream of the client, as the connection sees it: outgoing DATA held back by flow
 * control, and the callbacks through which the gRPC layer hears headers, body and the end.
 */
import { Flag, frame, FrameType } from "../../wire/h2/frames.ts";
import { OutgoingData } from "../../wire/h2/outgoing_data.ts";
import type { HeaderList } from "../../wire/h2/hpack.ts";
import type { StreamOwner } from "../../wire/h2/connection.ts";

/** What the gRPC layer hears about one stream. Chunks passed to onData are reused: copy them. */
export interface StreamListener {
  onHeaders(headers: HeaderList, endStream: boolean): void;
  onData(chunk: Uint8Array, endStream: boolean): void;
  /** The stream died without a normal end: reset by the peer, GOAWAY, or the connection lost. */
  onError(reason: StreamFailure): void;
}

export interface StreamFailure {
  /** RST_STREAM code from the peer, or -1 when the connection failed. */
  resetCode: number;
  message: string;
  /** Set when the connection failed in a way that says the port does not speak gRPC. */
  notGrpc?: NotGrpc;
  /**
   * The server says it never processed the stream (above a GOAWAY's last stream id, or reset
   * with REFUSED_STREAM), so its request may be sent again on another stream.
   */
  unprocessed?: boolean;
}

/**
 * How sure a failure is that the server is not a gRPC server: "certain" when it answered in
 * HTTP/1.1 or without a gRPC content-type, "likely" when it closed before any HTTP/2 byte.
 */
export type NotGrpc = "certain" | "likely";

export class ClientStream {
  sendWindow: number;
  /** Bytes received since our last WINDOW_UPDATE for this stream. */
  unacked = 0;
  localClosed = false;
  remoteClosed = false;
  #done = false;
  /** DATA waiting for window, and whether the last chunk ends the stream. */
  readonly #out = new OutgoingData();
  #pendingEnd = false;

  constructor(
    readonly id: number,
    readonly listener: StreamListener,
    private readonly owner: StreamOwner<ClientStream>,
    initialWindow: number,
  ) {
    this.sendWindow = initialWindow;
  }

  get done(): boolean {
    return this.#done;
  }

  /** Sends DATA as far as both windows allow; the rest goes out on WINDOW_UPDATE. */
  sendData(bytes: Uint8Array, endStream: boolean): void {
    if (this.#done || this.localClosed) return;
    if (bytes.length === 0) {
      if (endStream) this.endLocal();
      return;
    }
    this.#out.push(bytes);
    if (endStream) {
      this.#pendingEnd = true;
      this.localClosed = true;
    }
    this.flush();
  }

  /** Writes what the windows allow of the pending DATA. */
  flush(): void {
    if (!this.#done && this.#out.flush(this, this.owner, this.#pendingEnd)) this.#maybeFinished();
  }

  /** Half-closes with an empty DATA frame (used when nothing else is pending). */
  endLocal(): void {
    if (this.#done || this.localClosed) return;
    this.localClosed = true;
    this.owner.send(frame(FrameType.DATA, Flag.END_STREAM, this.id, new Uint8Array(0)));
    this.#maybeFinished();
  }

  endRemote(): void {
    this.remoteClosed = true;
    this.#maybeFinished();
  }

  /** Ends the stream abnormally; the listener hears it once. */
  fail(reason: StreamFailure): void {
    if (this.#done) return;
    this.#finish();
    this.listener.onError(reason);
  }

  /** Forgets the stream without telling the listener (it asked for the reset). */
  drop(): void {
    if (!this.#done) this.#finish();
  }

  #maybeFinished(): void {
    if (this.localClosed && this.remoteClosed && this.#out.empty) this.#finish();
  }

  #finish(): void {
    this.#done = true;
    this.#out.clear();
    this.owner.finished(this);
  }
}
