/**
 * A whole run with a backend whose capabilities say its units are tokens, on a simulated
 * clock: perf_analyzer's level block, then the LLM table, and the token CSV next to -f's.
 */
import assert from "node:assert/strict";
import { run } from "../run.ts";
import type { BackendDescriptor } from "../backend.ts";
import { configOf, INPROC } from "../testing/kinds.ts";
import { FakeBackend, type TokenStream } from "../testing/fake_backend.ts";
import { FakeClock } from "../testing/fake_clock.ts";

async function runWith(stream: TokenStream | undefined, extra: string[] = []) {
  const clock = new FakeClock();
  const descriptor: BackendDescriptor = {
    ...INPROC,
    create: () => new FakeBackend(stream ? 0 : 2, clock, stream),
  };
  let stdout = "";
  const files = new Map<string, string>();
  const config = configOf([
    "-m",
    "m",
    "--service-kind",
    "inproc",
    "--request-count",
    "4",
    "-f",
    "out/run.csv",
    ...extra,
  ]);
  const code = await run(config, {
    stdout: (t) => void (stdout += t),
    stderr: () => {},
    clock,
    cpuUs: () => 0,
    signal: new AbortController().signal,
    writeTextFile: (path, text) => Promise.resolve(void files.set(path, text)),
    readTextFile: () => Promise.reject(new Error("no files")),
    cwd: "/",
    backends: [descriptor],
  });
  return { code, stdout, files };
}

Deno.test("run: a token backend's level block is followed by its LLM table and CSV", async () => {
  // Per request: role chunk at 1 ms, 2 tokens at 3 ms, 2 at 5 ms, [DONE] at 6 ms.
  const { code, stdout, files } = await runWith({
    events: [
      { afterMs: 1, units: 0 },
      { afterMs: 2, units: 2 },
      { afterMs: 2, units: 2 },
      { afterMs: 1, units: 0 },
    ],
    inputUnits: 9,
  });
  assert.equal(code, 0);
  const block = stdout.indexOf("  Client: ");
  const table = stdout.indexOf("LLM Metrics");
  assert.ok(block > 0 && table > block, stdout);
  // perf_analyzer's latency runs to the last response ([DONE], 6 ms) ...
  assert.match(stdout, /Avg latency: 6000 usec/);
  // ... the LLM table's to the last token (5 ms); ITL (5 − 3) / (4 − 1) ms.
  assert.match(stdout, /│ +Time To First Token \(ms\) │ +3\.00 │ +3\.00 │ +3\.00 │/);
  assert.match(stdout, /│ +Request Latency \(ms\) │ +5\.00 │/);
  assert.match(stdout, /│ +Inter Token Latency \(ms\) │ +0\.67 │/);
  assert.match(stdout, /│ +Output Token Throughput Per User \(tokens\/sec\/user\) │ +1,500\.00 │/);
  assert.match(stdout, /│ +Input Sequence Length \(tokens\) │ +9\.00 │/);
  assert.match(stdout, /│ +Tokens Per Event \(tokens\) │ +2\.00 │/);
  // 16 tokens and 4 requests in 24 ms.
  assert.match(stdout, /Output Token Throughput \(tokens\/sec\): 666\.67\n/);
  assert.match(stdout, /Request Throughput \(per sec\): 166\.67\n/);
  assert.deepEqual([...files.keys()], ["out/run.csv", "out/run_genai_perf.csv"]);
  const csv = files.get("out/run_genai_perf.csv")!;
  assert.match(csv, /^Metric,avg,min,max,p99,p95,p90,p75,p50,p25\n/);
  assert.match(
    csv,
    /\nTime To First Token \(ms\),3\.00,3\.00,3\.00,3\.00,3\.00,3\.00,3\.00,3\.00,3\.00\n/,
  );
  assert.match(csv, /\nMetric,Value\nOutput Token Throughput \(tokens\/sec\),666\.67\n/);
});

Deno.test("run: a backend without the tokens capability prints and writes no token report", async () => {
  const { code, stdout, files } = await runWith(undefined);
  assert.equal(code, 0);
  assert.equal(stdout.includes("LLM Metrics"), false);
  assert.deepEqual([...files.keys()], ["out/run.csv"]);
});
