/**
 * Test helper, run as a Worker: a loopback TCP server on its own thread that answers every read
 * with a fixed reply and says when it wrote it, so a test can keep the main thread busy while
 * the reply lands and still know the truth. Not a test itself.
 *
 * Protocol: the test posts {@link TimedServerSetup}; the worker posts back its port. For every
 * reply it stores the epoch times taken just before and just after the write in `stamp[0]` and
 * `stamp[1]` (nanoseconds, from this thread's performance.timeOrigin and now), then adds 1 to
 * `count[0]`. On loopback the bytes reach the client's socket inside the write call, so between
 * the two (a thread preempted before its write moves both).
 */

export interface TimedServerSetup {
  /** 24 bytes: two Float64 at 0 (the last write's epoch ns, before and after), an Int32 at 16. */
  shared: SharedArrayBuffer;
  reply: string;
}

/** The epoch nanoseconds around the last write and the number written, views on `shared`. */
export function timedServerViews(
  shared: SharedArrayBuffer,
): { stamp: Float64Array; count: Int32Array } {
  return { stamp: new Float64Array(shared, 0, 2), count: new Int32Array(shared, 16, 1) };
}

/** Starts the worker; resolves with its port and a stop function. */
export async function startTimedServer(
  reply: string,
): Promise<{ port: number; stamp: Float64Array; count: Int32Array; stop(): void }> {
  const worker = new Worker(import.meta.url, { type: "module", name: WORKER_NAME });
  const shared = new SharedArrayBuffer(24);
  const port = new Promise<number>((resolve) => {
    worker.onmessage = (e: MessageEvent<number>) => resolve(e.data);
  });
  worker.postMessage({ shared, reply } satisfies TimedServerSetup);
  return { port: await port, ...timedServerViews(shared), stop: () => worker.terminate() };
}

const WORKER_NAME = "timed-server";

// Deno's default lib types `self` as a window; only these worker members are used.
const scope = self as unknown as {
  name?: string;
  onmessage: ((e: MessageEvent<TimedServerSetup>) => void) | null;
  postMessage(port: number): void;
};

/** Epoch nanoseconds on this thread. */
function epochNs(): number {
  return (performance.timeOrigin + performance.now()) * 1e6;
}

async function serve(setup: TimedServerSetup): Promise<void> {
  const { stamp, count } = timedServerViews(setup.shared);
  const reply = new TextEncoder().encode(setup.reply);
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  scope.postMessage((listener.addr as Deno.NetAddr).port);
  for await (const conn of listener) {
    conn.setNoDelay(true);
    const buf = new Uint8Array(64 * 1024);
    (async () => {
      try {
        while (await conn.read(buf) !== null) {
          stamp[0] = epochNs();
          await conn.write(reply);
          stamp[1] = epochNs();
          Atomics.add(count, 0, 1);
        }
      } catch { /* the client went away */ }
      conn.close();
    })();
  }
}

// Serve only as the worker (a test imports startTimedServer on the main thread).
if (scope.name === WORKER_NAME) scope.onmessage = (e) => void serve(e.data);
