/**
 * Compression as the wire carries it: the framed request bytes and call headers we send, and
 * compressed responses read back through the shared response reader.
 */
import assert from "node:assert/strict";
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { type HeaderList, HpackDecoder } from "../../wire/h2/hpack.ts";
import { frameMessage } from "../../wire/grpc/framing.ts";
import { frameCompressed, inflateMessage } from "./grpc_compression.ts";
import type { CallStatus } from "./h2_grpc_call.ts";
import { requestHeaderBlock } from "./h2_grpc_call.ts";
import { GrpcResponseReader } from "./grpc_response.ts";
import { GrpcCode } from "./grpc_status.ts";

/** A compressible message: the point is that the wire carries fewer bytes. */
const MESSAGE = new Uint8Array(4096).map((_, i) => i % 7);

function lengthOf(framed: Uint8Array): number {
  return new DataView(framed.buffer, framed.byteOffset).getUint32(1);
}

Deno.test("frameCompressed: identity keeps the bytes, flag 0", () => {
  const framed = frameCompressed(Uint8Array.of(1, 2, 3), "none");
  assert.deepEqual([...framed], [0, 0, 0, 0, 3, 1, 2, 3]);
});

for (const [compression, inflate] of [["gzip", gunzipSync], ["deflate", inflateSync]] as const) {
  Deno.test(`frameCompressed: ${compression} sets the flag and carries fewer bytes that inflate back`, () => {
    const framed = frameCompressed(MESSAGE, compression);
    assert.equal(framed[0], 1);
    assert.equal(lengthOf(framed), framed.length - 5);
    assert.ok(framed.length < MESSAGE.length / 4, `${framed.length} bytes on the wire`);
    assert.deepEqual(new Uint8Array(inflate(framed.subarray(5))), MESSAGE);
    assert.deepEqual(new Uint8Array(inflateMessage(framed.subarray(5), compression)), MESSAGE);
  });
}

Deno.test("requestHeaderBlock: grpc-encoding only for compressed calls; every call accepts all", () => {
  const headers = (block: Uint8Array) => new Map(new HpackDecoder().decode(block));
  const plain = headers(requestHeaderBlock("/s/M", "h:1", [["x-a", "b"]]));
  assert.equal(plain.get("grpc-encoding"), undefined);
  assert.equal(plain.get("grpc-accept-encoding"), "identity,deflate,gzip");
  assert.equal(plain.get("x-a"), "b");
  const gzip = headers(requestHeaderBlock("/s/M", "h:1", [], "gzip"));
  assert.equal(gzip.get("grpc-encoding"), "gzip");
  assert.equal(
    headers(requestHeaderBlock("/s/M", "h:1", [], "deflate")).get("grpc-encoding"),
    "deflate",
  );
});

function reader() {
  const messages: number[][] = [];
  const statuses: CallStatus[] = [];
  const r = new GrpcResponseReader({
    onMessage: (m) => messages.push([...m]),
    onStatus: (s) => statuses.push(s),
  });
  return { r, messages, statuses };
}

function head(encoding?: string): HeaderList {
  const list: HeaderList = [[":status", "200"], ["content-type", "application/grpc"]];
  if (encoding !== undefined) list.push(["grpc-encoding", encoding]);
  return list;
}

Deno.test("GrpcResponseReader: gzip and deflate responses are inflated, plain ones pass", () => {
  for (const [encoding, compress] of [["gzip", gzipSync], ["deflate", deflateSync]] as const) {
    const { r, messages, statuses } = reader();
    r.onHeaders(head(encoding), false);
    const frame = frameMessage(new Uint8Array(compress(Uint8Array.of(5, 6, 7))), true);
    // Split mid-message: the reader reassembles before inflating.
    r.onData(frame.subarray(0, 7), false);
    r.onData(frame.subarray(7), false);
    // A server may still send some messages uncompressed.
    r.onData(Uint8Array.of(0, 0, 0, 0, 1, 9), false);
    r.onHeaders([["grpc-status", "0"]], true);
    assert.deepEqual(messages, [[5, 6, 7], [9]], encoding);
    assert.deepEqual(statuses, [{ code: GrpcCode.OK, details: "" }]);
  }
});

Deno.test("GrpcResponseReader: a compressed message without a usable encoding ends the call", () => {
  const { r, messages, statuses } = reader();
  r.onHeaders(head(), false);
  r.onData(frameMessage(Uint8Array.of(1, 2, 3), true), false);
  // Nothing more is heard once the call is over.
  r.onHeaders([["grpc-status", "0"]], true);
  assert.deepEqual(messages, []);
  assert.equal(statuses.length, 1);
  assert.equal(statuses[0].code, GrpcCode.INTERNAL);
  assert.deepEqual(statuses[0], {
    code: GrpcCode.INTERNAL,
    details: "cannot decompress a response: a compressed message, but the response has no " +
      "grpc-encoding",
    malformed: true,
  });
  r.reset();
  r.onHeaders(head("gzip"), false);
  r.onData(frameMessage(Uint8Array.of(1, 2, 3), true), false);
  assert.equal(statuses.length, 2);
  assert.match(statuses[1].details, /^cannot decompress a response/);
});
