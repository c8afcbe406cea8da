/** HTTP/2 frame layout and constants (RFC 9113 §4, §6), shared by the gRPC client and server. */

export const PREFACE = new TextEncoder().encode("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");

export const FRAME_HEADER = 9;

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;
export type FrameType = typeof FrameType[keyof typeof FrameType];

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;
export type Flag = typeof Flag[keyof typeof Flag];

export const Setting = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;
export type Setting = typeof Setting[keyof typeof Setting];

export const ErrorCode = {
  NO_ERROR: 0x0,
  PROTOCOL_ERROR: 0x1,
  INTERNAL_ERROR: 0x2,
  FLOW_CONTROL_ERROR: 0x3,
  STREAM_CLOSED: 0x5,
  FRAME_SIZE_ERROR: 0x6,
  REFUSED_STREAM: 0x7,
  CANCEL: 0x8,
  COMPRESSION_ERROR: 0x9,
  ENHANCE_YOUR_CALM: 0xb,
} as const;
export type ErrorCode = typeof ErrorCode[keyof typeof ErrorCode];

/** The protocol's default windows and frame size before any SETTINGS. */
export const DEFAULT_WINDOW = 65_535;
export const DEFAULT_MAX_FRAME = 16_384;
export const MAX_WINDOW = 2 ** 31 - 1;

/** A violation that ends the connection with GOAWAY (RFC 9113 §5.4.1). */
export class ConnectionError extends Error {
  override name = "ConnectionError";
  constructor(readonly code: ErrorCode, message: string) {
    super(message);
  }
}

export interface FrameHeader {
  length: number;
  type: number;
  flags: number;
  streamId: number;
}

export function readFrameHeader(buf: Uint8Array, at: number): FrameHeader {
  return {
    length: (buf[at] << 16) | (buf[at + 1] << 8) | buf[at + 2],
    type: buf[at + 3],
    flags: buf[at + 4],
    // The reserved high bit is ignored, as the RFC requires.
    streamId: ((buf[at + 5] & 0x7f) << 24 | (buf[at + 6] << 16) | (buf[at + 7] << 8) |
      buf[at + 8]) >>> 0,
  };
}

/** One whole frame: header then payload. */
export function frame(type: number, flags: number, streamId: number, payload: Uint8Array) {
  const out = new Uint8Array(FRAME_HEADER + payload.length);
  writeFrameHeader(out, type, flags, streamId, payload.length);
  out.set(payload, FRAME_HEADER);
  return out;
}

/** A frame's 9-byte header alone, for a payload written from where it lies (see FrameWriter). */
export function frameHeader(type: number, flags: number, streamId: number, length: number) {
  const out = new Uint8Array(FRAME_HEADER);
  writeFrameHeader(out, type, flags, streamId, length);
  return out;
}

function writeFrameHeader(
  out: Uint8Array,
  type: number,
  flags: number,
  streamId: number,
  length: number,
): void {
  out[0] = length >>> 16;
  out[1] = (length >>> 8) & 0xff;
  out[2] = length & 0xff;
  out[3] = type;
  out[4] = flags;
  new DataView(out.buffer, out.byteOffset).setUint32(5, streamId & 0x7fffffff);
}

export function uint32(value: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, value >>> 0);
  return out;
}

export function settingsFrame(settings: [Setting, number][]): Uint8Array {
  const payload = new Uint8Array(settings.length * 6);
  const view = new DataView(payload.buffer);
  settings.forEach(([id, value], i) => {
    view.setUint16(i * 6, id);
    view.setUint32(i * 6 + 2, value);
  });
  return frame(FrameType.SETTINGS, 0, 0, payload);
}

export function windowUpdate(streamId: number, increment: number): Uint8Array {
  return frame(FrameType.WINDOW_UPDATE, 0, streamId, uint32(increment));
}

export function rstStream(streamId: number, code: ErrorCode): Uint8Array {
  return frame(FrameType.RST_STREAM, 0, streamId, uint32(code));
}

export function goaway(lastStreamId: number, code: ErrorCode): Uint8Array {
  const payload = new Uint8Array(8);
  const view = new DataView(payload.buffer);
  view.setUint32(0, lastStreamId);
  view.setUint32(4, code);
  return frame(FrameType.GOAWAY, 0, 0, payload);
}

/** The payload of a DATA or HEADERS frame without padding (and priority fields). */
export function unpadded(type: number, flags: number, payload: Uint8Array): Uint8Array {
  let start = 0;
  let end = payload.length;
  if (flags & Flag.PADDED) {
    if (payload.length < 1) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "bad padding");
    end -= payload[0];
    start = 1;
  }
  if (type === FrameType.HEADERS && (flags & Flag.PRIORITY)) start += 5;
  if (end < start) throw new ConnectionError(ErrorCode.PROTOCOL_ERROR, "padding too long");
  return payload.subarray(start, end);
}
