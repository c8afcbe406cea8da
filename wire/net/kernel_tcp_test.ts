import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import { HttpConnection, type HttpTarget, TransportError } from "../http1/connection.ts";
import { httpResponse, pause, startRawServer } from "../http1/testing/raw_server.ts";
import {
  connectKernelTcp,
  errnoError,
  kernelReactorIdle,
  kernelStampsUnavailable,
  KernelTcpConn,
  ReadPolling,
} from "./kernel_tcp.ts";
import { nowNs } from "./byte_stream.ts";
import { connectFailure, ioFailure } from "./transport_error.ts";
import { startTimedServer } from "./testing/timed_server.ts";

const enc = new TextEncoder();
const REPLY = httpResponse(200, "kernel-stamped");
const GET = enc.encode("GET / HTTP/1.1\r\nHost: t\r\n\r\n");
/** The main thread is kept busy this long after the reply was written, before it reads. */
const BUSY_MS = 30;
/**
 * How late a kernel stamp may be after the server's write returned: on loopback the receive
 * side runs inside the write, unless a loaded machine defers it to ksoftirqd. Far below
 * BUSY_MS, so a stamp that held the client's busy time cannot pass.
 */
const KERNEL_LATE_MS = 5;
/** Two threads' views of the epoch differ by their time origins' rounding (about a µs). */
const CLOCK_SLACK_MS = 0.5;

/** See the large-transfer test. */
const STAMP_JITTER_NS = 10_000;

/** The server's epoch stamp on this thread's monotonic clock. */
function monoOf(epochNs: number): number {
  return epochNs - performance.timeOrigin * 1e6;
}

/** Spins (no await: timers, I/O and promise jobs all wait) until `done()` or `ms` passed. */
function spin(ms: number, done: () => boolean = () => false): void {
  const end = performance.now() + ms;
  while (!done() && performance.now() < end) { /* the busy client */ }
}

/** `ns` lies within the server's write, `stamp` [before, after], give or take the slacks. */
function assertDuringWrite(ns: number, stamp: Float64Array, what: string): void {
  const beforeMs = (ns - monoOf(stamp[0])) / 1e6;
  const afterMs = (ns - monoOf(stamp[1])) / 1e6;
  assert.ok(
    beforeMs > -CLOCK_SLACK_MS && afterMs < KERNEL_LATE_MS,
    `${what} ${beforeMs.toFixed(3)} ms after the write started, ${
      afterMs.toFixed(3)
    } after it ended`,
  );
}

/**
 * Spins until the server has written `replies` replies in all, its stamps then being those of the
 * last. (Counting from a value read earlier could count the previous reply: the server counts
 * it after its write, and the client may have read it before then.)
 */
function spinUntilWritten(count: Int32Array, replies: number): void {
  spin(10_000, () => Atomics.load(count, 0) >= replies);
  assert.equal(Atomics.load(count, 0), replies, "the server thread wrote its reply");
}

Deno.test("kernel stamps say when the reply arrived, however long the client was busy", async () => {
  const server = await startTimedServer(REPLY);
  const conn = await KernelTcpConn.connect("127.0.0.1", server.port);
  try {
    const buf = new Uint8Array(4096);
    for (let i = 0; i < 3; i++) {
      assert.equal(await conn.write(GET), GET.length);
      spinUntilWritten(server.count, i + 1);
      spin(BUSY_MS);
      const n = await conn.read(buf);
      const userNs = nowNs();
      assert.equal(n, REPLY.length);
      assert.equal(new TextDecoder().decode(buf.subarray(0, n!)), REPLY);
      assertDuringWrite(conn.receivedNs, server.stamp, "kernel stamp");
      const userLateMs = (userNs - monoOf(server.stamp[1])) / 1e6;
      assert.ok(userLateMs >= BUSY_MS, `user stamp ${userLateMs.toFixed(3)} ms after the write`);
      assert.ok(conn.receivedNs <= userNs);
    }
  } finally {
    conn.close();
    server.stop();
    await kernelReactorIdle();
  }
});

/**
 * One busy exchange through HttpConnection, after one to connect; returns the time its first
 * byte was stamped. `replies`: what the server wrote before.
 */
async function busyExchange(
  target: HttpTarget,
  count: Int32Array,
  replies: number,
): Promise<number> {
  const http = new HttpConnection(target);
  try {
    // Connected first (a lookup and connect take jobs of their own): the timed exchange is
    // then one write and one read.
    assert.equal((await http.exchange(GET, null)).head.status, 200);
    const rec = new RequestRecord();
    // The exchange sends now and reads in a later job, after this thread is done spinning.
    const reply = http.exchange(GET, rec);
    spinUntilWritten(count, replies + 2);
    spin(BUSY_MS);
    const res = await reply;
    assert.equal(res.head.status, 200);
    assert.equal(
      new TextDecoder().decode(res.buf.subarray(res.bodyStart, res.bodyEnd)),
      "kernel-stamped",
    );
    return rec.firstByteNs;
  } finally {
    http.close();
  }
}

Deno.test("HttpConnection stamps reads with the connector's kernel time, else its clock", async () => {
  const server = await startTimedServer(REPLY);
  try {
    const base = { hostname: "127.0.0.1", port: server.port };
    const kernelNs = await busyExchange({ ...base, connect: connectKernelTcp }, server.count, 0);
    assertDuringWrite(kernelNs, server.stamp, "kernel: first byte");
    const userNs = await busyExchange(base, server.count, 2);
    const userLateMs = (userNs - monoOf(server.stamp[1])) / 1e6;
    assert.ok(
      userLateMs >= BUSY_MS,
      `user: first byte ${userLateMs.toFixed(3)} ms after the write`,
    );
  } finally {
    server.stop();
    await kernelReactorIdle();
  }
});

Deno.test("a large write waits for room and a large reply comes whole, read by read", async () => {
  const size = 8 * 1024 * 1024;
  const payload = new Uint8Array(size).map((_, i) => i * 7);
  let received = 0;
  const server = startRawServer(async (conn) => {
    const buf = new Uint8Array(64 * 1024);
    await pause(50); // the client's send buffer fills meanwhile: its write must wait
    while (received < size) {
      const n = await conn.read(buf);
      if (n === null) break;
      received += n;
    }
    for (let off = 0; off < size;) off += await conn.write(payload.subarray(off));
  });
  const conn = await KernelTcpConn.connect("127.0.0.1", server.port);
  try {
    for (let off = 0; off < size;) off += await conn.write(payload.subarray(off));
    const got = new Uint8Array(size);
    let off = 0;
    let lastNs = 0;
    let reads = 0;
    while (off < size) {
      const n = await conn.read(got.subarray(off, Math.min(size, off + 256 * 1024)));
      assert.ok(n !== null && n > 0);
      // Two reads may end in the same segment: their stamps then differ by the conversion's
      // error only (the realtime and monotonic readings of each are apart by well under 10 µs).
      assert.ok(
        conn.receivedNs > lastNs - STAMP_JITTER_NS,
        `stamps in arrival order: ${conn.receivedNs - lastNs} ns after the last`,
      );
      assert.ok(conn.receivedNs <= nowNs(), "a stamp is never after the read returned");
      lastNs = conn.receivedNs;
      off += n!;
      reads++;
    }
    assert.equal(received, size);
    assert.ok(reads > 1);
    assert.deepEqual(got, payload);
  } finally {
    conn.close();
    await server.close();
    await kernelReactorIdle();
  }
});

Deno.test("a refused connection fails as Deno.connect's does", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  await assert.rejects(KernelTcpConn.connect("127.0.0.1", port), Deno.errors.ConnectionRefused);
  const http = new HttpConnection({ hostname: "127.0.0.1", port, connect: connectKernelTcp });
  await assert.rejects(http.exchange(GET, null), (e: unknown) => {
    assert.ok(e instanceof TransportError);
    assert.equal(e.message, "Couldn't connect to server");
    assert.equal(e.phase, "connect");
    return true;
  });
  await kernelReactorIdle();
});

Deno.test("errno values map to Deno's errors, worded as Deno words them", () => {
  assert.equal(kernelStampsUnavailable(), "");
  const cases: [number, new (message: string) => Error, string][] = [
    [104, Deno.errors.ConnectionReset, "Connection reset by peer"],
    [111, Deno.errors.ConnectionRefused, "Couldn't connect to server"],
    [32, Deno.errors.BrokenPipe, "Broken pipe"],
    [103, Deno.errors.ConnectionAborted, "Connection aborted"],
  ];
  for (const [code, kind, curl] of cases) {
    const e = errnoError(code);
    assert.ok(e instanceof kind, `errno ${code}`);
    assert.match(e.message, new RegExp(`\\(os error ${code}\\)$`));
    const mapped = code === 111 ? connectFailure(e) : ioFailure(e, true);
    assert.equal(mapped.message, curl);
  }
  assert.equal(errnoError(113).message, "No route to host (os error 113)");
});

Deno.test("EOF reads null; writes after the peer's reset fail; a close fails the read", async () => {
  const server = startRawServer(async (_conn, reader, index) => {
    if (index === 1) await reader.next(); // answers nothing until the client leaves
  });
  const buf = new Uint8Array(16);
  const eof = await KernelTcpConn.connect("127.0.0.1", server.port);
  assert.equal(await eof.read(buf), null);
  // The peer is gone: the first write draws its reset, the next finds the pipe broken.
  assert.equal(await eof.write(GET), GET.length);
  await pause(20);
  const broken = await eof.write(GET).catch((e) => e);
  assert.ok(broken instanceof Deno.errors.BrokenPipe);
  assert.equal(ioFailure(broken, true).message, "Broken pipe");
  eof.close();

  const idle = await KernelTcpConn.connect("127.0.0.1", server.port);
  await idle.write(enc.encode("x"));
  const pending = idle.read(buf);
  await pause(20);
  idle.close();
  await assert.rejects(pending, Deno.errors.Interrupted);
  await assert.rejects(idle.read(buf), Deno.errors.BadResource);
  await kernelReactorIdle();
  await server.close();
});

Deno.test("through HttpConnection, a peer that closes unanswered is the usual EOF error", async () => {
  const server = startRawServer(async (_conn, reader) => {
    await reader.next(); // the whole request, then close
  });
  const http = new HttpConnection({
    hostname: "127.0.0.1",
    port: server.port,
    connect: connectKernelTcp,
  });
  await assert.rejects(http.exchange(GET, null), (e: unknown) => {
    assert.ok(e instanceof TransportError);
    assert.equal(e.message, "Server closed the connection without responding");
    assert.equal(e.phase, "io");
    return true;
  });
  http.close();
  await server.close();
  await kernelReactorIdle();
});

Deno.test("a read polls only when alone and not lately in vain; misses back off, a hit resets", () => {
  let others = false;
  const p = new ReadPolling(() => others);
  assert.equal(p.mayPoll(), true);
  others = true;
  assert.equal(p.mayPoll(), false, "another operation waits: polling would delay it");
  others = false;
  p.missed();
  const polls = (reads: number) => Array.from({ length: reads }, () => p.mayPoll());
  assert.deepEqual(polls(65), [...Array(64).fill(false), true], "64 reads skip after a miss");
  p.missed();
  assert.equal(polls(129).lastIndexOf(false), 127, "128 after a second miss in a row");
  p.hit();
  p.missed();
  assert.equal(polls(65).lastIndexOf(false), 63, "a hit brings it back to 64");
});
