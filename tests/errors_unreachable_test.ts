/**
 * A server that cannot be reached, or that goes away mid-run: the error names the address
 * dialled (and the default port when -u named none), and the cause comes before advice.
 */
import assert from "node:assert/strict";
import { runCli } from "./cli_harness.ts";
import { startServerWorker } from "../server/mod.ts";

/** Whether nothing listens on 127.0.0.1:`port` (we could bind it, so a connect is refused). */
function free(port: number): boolean {
  try {
    Deno.listen({ hostname: "127.0.0.1", port }).close();
    return true;
  } catch {
    return false;
  }
}

const RUN = ["-m", "simple", "--request-count", "5"];

Deno.test({
  name: "-u without a port: the error names 127.0.0.1:80 and says 80 was the default",
  ignore: !free(80),
  fn: async () => {
    const r = await runCli([...RUN, "-u", "127.0.0.1"]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: HTTP client failed: Couldn't connect to server at " +
        "127.0.0.1:80 (-u names no port, so the default 80 was used): is the server running " +
        "there, and is that its HTTP port (Triton's default is 8000)?\n",
    );
  },
});

Deno.test({
  name: "-i grpc -u without a port: the error names 127.0.0.1:8001, the gRPC default",
  ignore: !free(8001),
  fn: async () => {
    const r = await runCli([...RUN, "-u", "localhost", "-i", "grpc"]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: Couldn't connect to server at 127.0.0.1:8001 (-u " +
        "names no port, so the default 8001 was used): is the server running there, and is " +
        "that its gRPC port (Triton's default is 8001)?\n",
    );
  },
});

/**
 * Starts a run, stops the server 1.5 s in (inside the second 1.2 s window), and returns the
 * run's result: the third window has only failed requests, which ends the run.
 */
async function serverDies(grpc: boolean): Promise<{ text: string; address: string }> {
  const server = await startServerWorker({ grpcPort: 0 });
  const address = `127.0.0.1:${grpc ? server.grpcPort : server.httpPort}`;
  const stop = new Promise((r) => setTimeout(r, 1500)).then(() => server.close());
  try {
    const r = await runCli([
      ...["-m", "simple", "-u", address, "-p", "1000", "--concurrency-range", "1:3"],
      ...(grpc ? ["-i", "grpc"] : []),
    ]);
    assert.equal(r.code, 3, r.stdout + r.stderr);
    return { text: r.stderr, address };
  } finally {
    await stop;
  }
}

for (const grpc of [false, true]) {
  Deno.test(`server dies mid-run (${grpc ? "gRPC" : "HTTP"}): the cause before the advice`, async () => {
    const { text, address } = await serverDies(grpc);
    const last = text.trimEnd().split("\n").at(-1)!;
    assert.match(
      last,
      new RegExp(
        "^error: No valid requests recorded within time interval\\. All (\\d+) requests that " +
          "ended in it failed; most often \\(\\d+×\\): Couldn't connect to server at " +
          `${address.replaceAll(".", "\\.")}\\. Fix that first: a larger time window helps ` +
          "only when requests take longer than the window\\.$",
      ),
    );
  });
}
