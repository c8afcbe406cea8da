/**
 * Request bodies with a Content-Length are read into one array of that length: in place from a
 * byte stream (what Deno.serve hands over), chunk by chunk from any other stream, and a body
 * that does not match its length is a 400, never a short or padded tensor.
 */
import assert from "node:assert/strict";
import { readInflated, readLimited } from "./body.ts";
import { ApiError } from "./http_error.ts";

/** A byte stream of `bytes` in reads of at most `piece` bytes, counting BYOB reads. */
function byteStream(bytes: Uint8Array, piece: number) {
  const seen = { byob: 0, pulls: 0 };
  let at = 0;
  const stream = new ReadableStream({
    type: "bytes",
    pull(controller) {
      seen.pulls++;
      if (at >= bytes.length) {
        controller.close();
        controller.byobRequest?.respond(0);
        return;
      }
      const request = controller.byobRequest;
      const n = Math.min(piece, bytes.length - at, request?.view?.byteLength ?? piece);
      if (request?.view) {
        seen.byob++;
        new Uint8Array(request.view.buffer, request.view.byteOffset, n).set(
          bytes.subarray(at, at + n),
        );
        request.respond(n);
      } else controller.enqueue(bytes.slice(at, at + n));
      at += n;
    },
  });
  return { stream, seen };
}

/** A plain (not byte) stream of `bytes` in `piece`-byte chunks. */
function plainStream(bytes: Uint8Array, piece: number): ReadableStream<Uint8Array> {
  let at = 0;
  return new ReadableStream({
    pull(controller) {
      if (at >= bytes.length) return controller.close();
      controller.enqueue(bytes.slice(at, at + piece));
      at += piece;
    },
  });
}

function request(body: ReadableStream<Uint8Array>, length?: number): Request {
  const headers: Record<string, string> = length === undefined
    ? {}
    : { "content-length": String(length) };
  return new Request("http://127.0.0.1/v2/models/m/infer", { method: "POST", body, headers });
}

const bytes = Uint8Array.from({ length: (1 << 20) + 3 }, (_, i) => (i * 7) & 255);

Deno.test("a byte stream with a Content-Length is read in place, every byte in order", async () => {
  const { stream, seen } = byteStream(bytes, 64 << 10);
  const req = request(stream, bytes.length);
  // Deno keeps a request's own stream as its body, so the byte stream is what gets read.
  assert.equal(req.body, stream);
  const body = await readLimited(req, 4 << 20);
  assert.equal(body.length, bytes.length);
  assert.deepEqual(body, bytes);
  assert.ok(seen.byob >= 17, `${seen.byob} reads into the body array`);
});

Deno.test("the byte after the JSON header lands on an 8-byte boundary of the buffer", async () => {
  for (const alignAt of [0, 1, 5, 8, 131]) {
    const body = await readInflated(
      request(byteStream(bytes, 1 << 16).stream, bytes.length),
      4 << 20,
      alignAt,
    );
    assert.deepEqual(body, bytes);
    assert.equal((body.byteOffset + alignAt) % 8, 0, `alignAt ${alignAt}`);
    // A typed view of the widest elements there takes the buffer as it is.
    assert.equal(new Float64Array(body.buffer, body.byteOffset + alignAt, 8).length, 8);
  }
});

Deno.test("any other stream with a Content-Length is read in full too", async () => {
  const body = await readLimited(request(plainStream(bytes, 50_000), bytes.length), 4 << 20);
  assert.deepEqual(body, bytes);
  // Without a Content-Length (chunked), the same bytes.
  assert.deepEqual(await readInflated(request(plainStream(bytes, 50_000)), 4 << 20), bytes);
});

Deno.test("a body shorter or longer than its Content-Length is a 400", async () => {
  const cases: [ReadableStream<Uint8Array>, number][] = [
    [byteStream(bytes, 1 << 16).stream, bytes.length + 1],
    [byteStream(bytes, 1 << 16).stream, bytes.length - 1],
    [plainStream(bytes, 1 << 16), bytes.length + 1],
    [plainStream(bytes, 1 << 16), bytes.length - 1],
  ];
  for (const [stream, length] of cases) {
    await assert.rejects(
      () => readLimited(request(stream, length), 4 << 20),
      (e) => e instanceof ApiError && e.status === 400,
      `declared ${length} for ${bytes.length}`,
    );
  }
  await assert.rejects(
    () => readLimited(request(plainStream(bytes, 1 << 16), bytes.length), 1 << 20),
    (e) => e instanceof ApiError && e.status === 413,
  );
});
