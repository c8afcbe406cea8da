import assert from "node:assert/strict";
import {
  dialledAddress,
  ioFailure,
  isHttp2Frame,
  namingAddress,
  TransportError,
} from "./transport_error.ts";

const enc = new TextEncoder();
/** An h2 server's first bytes: an empty SETTINGS frame, then GOAWAY (stream 0 both). */
const SETTINGS = new Uint8Array([0, 0, 0, 4, 0, 0, 0, 0, 0]);
const GOAWAY = new Uint8Array([0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);

Deno.test("isHttp2Frame: SETTINGS or GOAWAY on stream 0, never an HTTP/1.x status line", () => {
  assert.equal(isHttp2Frame(SETTINGS), true);
  assert.equal(isHttp2Frame(GOAWAY), true);
  assert.equal(isHttp2Frame(enc.encode("HTTP/1.1 400 Bad Request\r\n")), false);
  assert.equal(isHttp2Frame(SETTINGS.subarray(0, 8)), false, "too short to tell");
  // A HEADERS frame (type 1) or a frame on stream 1 is not what a server opens with.
  assert.equal(isHttp2Frame(new Uint8Array([0, 0, 0, 1, 4, 0, 0, 0, 1])), false);
  assert.equal(isHttp2Frame(new Uint8Array([0, 0, 0, 4, 0, 0, 0, 0, 1])), false);
});

Deno.test("ioFailure marks an HTTP/2 peer and keeps the message; namingAddress adds the address", () => {
  const h2 = ioFailure(null, true, SETTINGS);
  assert.equal(h2.message, "Server closed the connection before the response was complete");
  assert.equal(h2.http2Peer, true);
  assert.equal(ioFailure(null, true, enc.encode("HTTP/1.1 200 OK\r\n")).http2Peer, false);
  const refused = new TransportError("Couldn't connect to server", "connect");
  assert.equal(
    namingAddress(refused, dialledAddress("::1", 80)).message,
    "Couldn't connect to server at [::1]:80",
  );
  const reset = new TransportError("Connection reset by peer", "io");
  assert.equal(namingAddress(reset, "127.0.0.1:1"), reset);
});
