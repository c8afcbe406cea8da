/**
 * One stream's outgoing DATA held back by flow control (RFC 9113 §6.9), the same for a client
 * request body and a server response body: chunks go out in frames no larger than the peer's
 * SETTINGS_MAX_FRAME_SIZE, as far as the stream's and the connection's windows allow.
 */
import type { StreamOwner } from "./connection.ts";
import { Flag, frame, frameHeader, FrameType } from "./frames.ts";
import type { FlowStream } from "./send_flow.ts";

/**
 * From this size a DATA payload is handed to the writer as a view of the queued chunk instead
 * of being copied into its frame: a 1 MiB tensor used to be copied twice on its way out (into
 * the frame, then into the write batch), which cost more CPU than the socket write itself.
 */
const VIEW_PAYLOAD = 16 << 10;

export class OutgoingData {
  #pending: Uint8Array[] = [];

  get empty(): boolean {
    return this.#pending.length === 0;
  }

  /**
   * Queues a chunk (empty ones carry nothing and are dropped). Large chunks are written from
   * where they lie, so they must not change until sent: callers hand over bytes they no longer
   * write to (a prepared request re-sent verbatim, a freshly encoded response).
   */
  push(bytes: Uint8Array): void {
    if (bytes.length > 0) this.#pending.push(bytes);
  }

  clear(): void {
    this.#pending = [];
  }

  /**
   * Sends what the windows allow; true when nothing is left. With `end`, the frame carrying
   * the last byte has END_STREAM. A stall on the stream window is lifted by the stream's
   * WINDOW_UPDATE (SendFlow calls flush again); one on the connection window parks the stream.
   */
  flush<S extends FlowStream & { readonly id: number }>(
    stream: S,
    owner: StreamOwner<S>,
    end: boolean,
  ): boolean {
    const pending = this.#pending;
    // Bounded: each pass sends at least one byte or returns.
    while (pending.length > 0) {
      const chunk = pending[0];
      const wanted = Math.min(chunk.length, owner.maxFrame, stream.sendWindow);
      const granted = wanted > 0 ? owner.takeWindow(wanted) : 0;
      if (granted === 0) {
        if (stream.sendWindow > 0) owner.blocked(stream);
        return false;
      }
      stream.sendWindow -= granted;
      const whole = granted === chunk.length;
      const flags = end && whole && pending.length === 1 ? Flag.END_STREAM : 0;
      const payload = chunk.subarray(0, granted);
      if (granted >= VIEW_PAYLOAD) {
        owner.send(frameHeader(FrameType.DATA, flags, stream.id, granted), payload);
      } else owner.send(frame(FrameType.DATA, flags, stream.id, payload));
      if (whole) pending.shift();
      else pending[0] = chunk.subarray(granted);
    }
    return true;
  }
}
