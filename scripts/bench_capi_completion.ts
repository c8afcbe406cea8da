/**
 * Measures the two ways C API completions can reach JS, against the C double (or a real
 * Triton): (a) Deno.UnsafeCallback.threadSafe response/release callbacks called from Triton's
 * thread, (b) the C completion queue (native/capi/pa_completion_queue.c) drained by poll + a
 * nonblocking wait. Closed loop, `inflight` requests of model `simple`, each re-sent when
 * released. The backend uses (b); the numbers are in backends/triton_c_api/engine.ts.
 *
 *   scripts/build_fake_tritonserver.sh /tmp/pa_capi && mkdir -p /tmp/pa_repo/simple
 *   deno run -A scripts/bench_capi_completion.ts /tmp/pa_capi /tmp/pa_repo [inflight] [ms]
 */
import { cString } from "../backends/triton_c_api/ffi.ts";
import { InProcessServer } from "../backends/triton_c_api/server.ts";

const [dir, repo, inflightArg, msArg] = Deno.args;
const INFLIGHT = Number(inflightArg ?? 8);
const MS = Number(msArg ?? 1000);
const quiet = () => {};

async function withServer(fn: (h: InProcessServer) => Promise<number>): Promise<number> {
  const host = await InProcessServer.start({
    serverDirectory: dir,
    modelRepository: repo,
    verbose: false,
    stdout: quiet,
    stderr: quiet,
  });
  try {
    return await fn(host);
  } finally {
    await host.stopServer();
    host.unload();
  }
}

const input = new Int32Array(16).fill(3);
const inputBytes = new Uint8Array(input.buffer);
const shape = new BigInt64Array([1n, 16n]);

/** Builds one `simple` request with the given callbacks and userp. */
function build(
  h: InProcessServer,
  responseFn: Deno.PointerValue,
  releaseFn: Deno.PointerValue,
  userp: Deno.PointerValue,
): bigint {
  const lib = h.lib;
  const out = new BigUint64Array(1);
  lib.TRITONSERVER_InferenceRequestNew(out, h.server, cString("simple"), -1n);
  const r = out[0];
  for (const name of ["INPUT0", "INPUT1"]) {
    lib.TRITONSERVER_InferenceRequestAddInput(r, cString(name), 8, shape, 2n);
    lib.TRITONSERVER_InferenceRequestAppendInputData(r, cString(name), inputBytes, 64n, 0, 0n);
  }
  lib.TRITONSERVER_InferenceRequestSetReleaseCallback(r, releaseFn, userp);
  lib.TRITONSERVER_InferenceRequestSetResponseCallback(r, h.allocator, null, responseFn, userp);
  return r;
}

const CALLBACK = { parameters: ["pointer", "u32", "pointer"], result: "void" } as const;

function threadSafe(h: InProcessServer): Promise<number> {
  const lib = h.lib;
  let done = 0;
  let stop = false;
  const requests: bigint[] = [];
  let finish: () => void = () => {};
  const finished = new Promise<void>((r) => (finish = r));
  let outstanding = 0;
  const response = Deno.UnsafeCallback.threadSafe(CALLBACK, (resp) => {
    lib.TRITONSERVER_InferenceResponseDelete(BigInt(Deno.UnsafePointer.value(resp)));
    done++;
  });
  const release = Deno.UnsafeCallback.threadSafe(CALLBACK, (_req, _flags, userp) => {
    const i = Number(Deno.UnsafePointer.value(userp)) - 1;
    if (stop) {
      if (--outstanding === 0) finish();
      return;
    }
    lib.TRITONSERVER_ServerInferAsync(h.server, requests[i], null);
  });
  for (let i = 0; i < INFLIGHT; i++) {
    requests.push(
      build(h, response.pointer, release.pointer, Deno.UnsafePointer.create(BigInt(i + 1))),
    );
  }
  const t0 = performance.now();
  outstanding = INFLIGHT;
  for (const r of requests) lib.TRITONSERVER_ServerInferAsync(h.server, r, null);
  return new Promise((resolve) => {
    setTimeout(async () => {
      stop = true;
      const rate = done / ((performance.now() - t0) / 1000);
      await finished;
      for (const r of requests) lib.TRITONSERVER_InferenceRequestDelete(r);
      response.close();
      release.close();
      resolve(rate);
    }, MS);
  });
}

async function queued(h: InProcessServer): Promise<number> {
  const lib = h.lib;
  const q = h.queueLib;
  const queue = q.pa_cq_new()!;
  const tags = Array.from({ length: INFLIGHT }, (_, i) => q.pa_cq_tag_new(queue, BigInt(i))!);
  const requests = tags.map((t) => build(h, q.pa_cq_response_fn(), q.pa_cq_release_fn(), t));
  const words = new BigUint64Array(256 * 3);
  let done = 0;
  let outstanding = INFLIGHT;
  const t0 = performance.now();
  let rate = 0;
  for (const r of requests) lib.TRITONSERVER_ServerInferAsync(h.server, r, null);
  while (outstanding > 0) {
    let n = q.pa_cq_poll(queue, words, 256);
    if (n === 0) n = await q.pa_cq_wait(queue, words, 256, 100);
    const stopping = performance.now() - t0 >= MS;
    if (stopping && rate === 0) rate = done / ((performance.now() - t0) / 1000);
    for (let i = 0; i < n; i++) {
      const kind = words[i * 3 + 2] >> 32n;
      if (kind === 1n) {
        lib.TRITONSERVER_InferenceResponseDelete(words[i * 3 + 1]);
        done++;
      } else if (stopping) outstanding--;
      else lib.TRITONSERVER_ServerInferAsync(h.server, requests[Number(words[i * 3])], null);
    }
  }
  for (const r of requests) lib.TRITONSERVER_InferenceRequestDelete(r);
  for (const t of tags) q.pa_cq_tag_delete(t);
  q.pa_cq_delete(queue);
  return rate;
}

const a = await withServer(threadSafe);
const b = await withServer(queued);
console.log(`inflight ${INFLIGHT}: threadSafe callbacks ${Math.round(a)} completions/s`);
console.log(`inflight ${INFLIGHT}: C queue + poll/nonblocking wait ${Math.round(b)} completions/s`);
