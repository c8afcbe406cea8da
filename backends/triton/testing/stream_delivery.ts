/**
 * How a gRPC stream channel's replies reached it: whole (one array per message, through
 * onMessage) or walked in pieces (through its reply walk). Tests of large streamed replies use
 * it to show a reply was never gathered.
 */
import type { H2StreamChannel } from "../h2_stream_channel.ts";

export interface StreamDelivery {
  /** The length of each message that reached the channel whole. */
  readonly whole: number[];
  /** Pieces the channel's walk has heard so far. */
  pieces(): number;
}

/** Wraps `ch`'s onMessage and its walk's piece (when it has one) to count what each heard. */
export function watchDelivery(ch: H2StreamChannel): StreamDelivery {
  const whole: number[] = [];
  const onMessage = ch.onMessage.bind(ch);
  ch.onMessage = (message) => {
    whole.push(message.length);
    onMessage(message);
  };
  let pieces = 0;
  const walk = ch.walk;
  if (walk) {
    const piece = walk.piece.bind(walk);
    walk.piece = (chunk, from, to) => {
      pieces++;
      piece(chunk, from, to);
    };
  }
  return { whole, pieces: () => pieces };
}
