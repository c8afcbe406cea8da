/**
 * End-to-end: a real SIGINT to a real perf_analyzer process. The first Ctrl-C closes the
 * current window early and the report still prints; the process then exits 130, so a script
 * can tell a cut-short run from a complete one.
 */
import assert from "node:assert/strict";
import { withServer } from "./cli_harness.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** Reads the stream into `sink.text` until it closes. */
async function collect(stream: ReadableStream<Uint8Array>, sink: { text: string }) {
  const decoder = new TextDecoder();
  for await (const chunk of stream) sink.text += decoder.decode(chunk, { stream: true });
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error("timed out waiting for the child");
    await new Promise((r) => setTimeout(r, 50));
  }
}

Deno.test("SIGINT mid-window: report of what was measured, exit 130", async () => {
  await withServer({}, async (server) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "-m", "simple", "-u", server.url, "-p", "3000", "-s", "0"],
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    const out = { text: "" };
    const err = { text: "" };
    const reading = Promise.all([collect(child.stdout, out), collect(child.stderr, err)]);
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      await waitFor(() => out.text.includes("*** Measurement Settings ***"), 20_000);
      // Into the first 3.6 s window: load is flowing, nothing reported yet.
      await new Promise((r) => setTimeout(r, 1500));
      assert.doesNotMatch(out.text, /Request concurrency: 1/);
      child.kill("SIGINT");
      const status = await child.status;
      await reading;
      assert.equal(status.code, 130, err.text);
      assert.match(err.text, /Interrupted: finishing the current window/);
      assert.match(
        err.text,
        /^Run interrupted: the last level was measured until Ctrl-C \(exit 130\)$/m,
      );
      assert.match(out.text, /^ {4}Request count: [1-9]\d*$/m);
      assert.match(out.text, /^Concurrency: 1, throughput: [0-9.]+ infer\/sec, latency \d+ usec$/m);
    } finally {
      clearTimeout(killer);
    }
  });
});
