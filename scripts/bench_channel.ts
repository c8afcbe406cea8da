/**
 * Throughput of one HTTP channel (Triton replies) sending a prepared request in a closed loop against a trivial
 * raw server (canned 200 reply) running in a Worker, so client and server do not share an
 * event loop. Run: npx -y deno@2.9.6 run -A scripts/bench_channel.ts [seconds] [channels]
 * Prints requests/s; it is a measurement, not a test.
 */
import { RequestRecord } from "../core/measure/record.ts";
import { encodeInferRequest } from "../backends/triton/infer_request.ts";
import { HttpChannel } from "../backends/net/http_channel.ts";
import { tritonReplies } from "../backends/triton/http_replies.ts";
import type { PreparedInfer } from "../backends/triton/infer_request.ts";

const BODY = '{"model_name":"simple","model_version":"1","outputs":[]}';
const REPLY = new TextEncoder().encode(
  `HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n${BODY}`,
);

/** The bits of the worker global scope used here (the default lib types the main thread). */
interface WorkerScope {
  name?: string;
  onmessage: ((e: MessageEvent<number>) => void) | null;
  postMessage(message: unknown): void;
}
const scope = globalThis as unknown as WorkerScope;

/** Worker side: answer every `requestSize` bytes received with the canned reply. */
async function serve(requestSize: number): Promise<void> {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  scope.postMessage((listener.addr as Deno.NetAddr).port);
  for await (const conn of listener) {
    conn.setNoDelay(true);
    (async () => {
      const buf = new Uint8Array(1 << 16);
      let pending = 0;
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
        pending += n;
        while (pending >= requestSize) {
          pending -= requestSize;
          await conn.write(REPLY);
        }
      }
      conn.close();
    })().catch(() => {});
  }
}

function prepared() {
  return encodeInferRequest({
    model: "simple",
    version: "",
    inputs: ["INPUT0", "INPUT1"].map((name) => ({
      name,
      datatype: "INT32" as const,
      shape: [1, 16],
      bytes: new Uint8Array(64),
    })),
    outputs: ["OUTPUT0", "OUTPUT1"],
    batchSize: 1,
  }, {
    path: "/v2/models/simple/infer",
    hostHeader: "127.0.0.1",
    headers: [],
    inputFormat: "binary",
    outputFormat: "binary",
  });
}

async function main(): Promise<void> {
  const seconds = Number(Deno.args[0] ?? "3");
  const channels = Number(Deno.args[1] ?? "1");
  const req = prepared();
  const worker = new Worker(import.meta.url, { type: "module", name: "bench-server" });
  worker.postMessage(req.bytes.length);
  const port = await new Promise<number>((resolve) => {
    worker.onmessage = (e: MessageEvent<number>) => resolve(e.data);
  });
  const target = { hostname: "127.0.0.1", port, hostHeader: "127.0.0.1" };
  const chs = Array.from({ length: channels }, () => new HttpChannel(target, tritonReplies(false)));
  const loop = async (ch: HttpChannel<PreparedInfer>, ms: number) => {
    const rec = new RequestRecord();
    const t0 = performance.now();
    let n = 0;
    let failed = 0;
    // Bounded by time, checked every 256 sends, and by a hard request cap.
    while (n < 50e6 && (n & 255 || performance.now() - t0 < ms)) {
      rec.reset(0);
      await ch.send(req, rec);
      if (rec.outcome !== "ok") failed++;
      n++;
    }
    return { n, failed };
  };
  const run = async (ms: number) => {
    const t0 = performance.now();
    const parts = await Promise.all(chs.map((ch) => loop(ch, ms)));
    const n = parts.reduce((a, p) => a + p.n, 0);
    const failed = parts.reduce((a, p) => a + p.failed, 0);
    return { n, failed, rate: n / ((performance.now() - t0) / 1000) };
  };
  await run(500); // warm-up: JIT and TCP
  const r = await run(seconds * 1000);
  console.log(
    `${channels} channel(s), ${req.bytes.length}-byte request, ${REPLY.length}-byte reply: ` +
      `${Math.round(r.rate)} req/s (${r.n} requests, ${r.failed} failed)`,
  );
  for (const ch of chs) ch.close();
  worker.terminate();
}

if (scope.name === "bench-server") {
  scope.onmessage = (e) => void serve(e.data);
} else if (import.meta.main) {
  await main();
}
