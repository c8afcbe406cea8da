/**
 * End-to-end, in a child process with a deadline: input files and sizes that used to hang the
 * tool, exhaust its memory or crash it now end it with one line and exit 99, against the
 * reference server. Single-run cases against fake peers (a 100,000-deep data file among them)
 * are in tests/fault_cases.ts.
 */
import assert from "node:assert/strict";
import { withServer, withTempDir } from "./cli_harness.ts";
import { runChild } from "./child_process.ts";

/** The run ended by itself with exactly this one line on stderr and exit 99. */
function assertOneLine(r: { code: number; stderr: string; timedOut: boolean }, line: string) {
  assert.equal(r.timedOut, false, "the run must end by itself");
  assert.equal(r.stderr, `${line}\n`);
  assert.equal(r.code, 99);
}

Deno.test("/dev/zero and a FIFO as input files are refused at once instead of read forever", async () => {
  await withServer({}, async (server) => {
    await withTempDir("pa_fifo_", async (dir) => {
      const fifo = `${dir}/pipe`;
      const made = await new Deno.Command("mkfifo", { args: [fifo] }).output();
      assert.equal(made.code, 0);
      const base = ["-m", "simple", "-u", server.url, "--request-count", "5"];
      assertOneLine(
        await runChild([...base, "--input-data", "/dev/zero"], { timeoutMs: 30_000 }),
        "error: --input-data /dev/zero: a character device; input files must be regular files",
      );
      assertOneLine(
        await runChild([...base, "--input-data", fifo], { timeoutMs: 30_000 }),
        `error: --input-data ${fifo}: a FIFO; input files must be regular files`,
      );
      assertOneLine(
        await runChild([...base.slice(0, 4), "--request-intervals", fifo], { timeoutMs: 30_000 }),
        `error: Cannot read --request-intervals file "${fifo}": a FIFO; input files must be ` +
          "regular files",
      );
      const compare = await runChild(["compare", "/dev/zero", "/dev/zero"], { timeoutMs: 30_000 });
      assert.equal(compare.timedOut, false);
      assert.match(compare.stderr, /"\/dev\/zero": a character device; input files must be/);
      assert.equal((await server.groundTruth("simple")).successCount, 0, "no request was sent");
    });
  });
});

Deno.test("huge tensor sizes: --shape is refused naming input and bytes; shm output windows cost nothing", async () => {
  await withServer({}, async (server) => {
    assertOneLine(
      await runChild(
        ["-m", "identity_fp32", "-u", server.url, "--shape", "INPUT0:1000000000000"],
        { timeoutMs: 30_000 },
      ),
      "error: input INPUT0: 4000000000000 bytes per request (FP32 [1,1000000000000], shape " +
        "from --shape), over the limit of 1073741824 bytes per input",
    );
    // 100 GB per output window: the region file's tail is sparse, so the run simply works.
    const r = await runChild([
      ...["-m", "simple", "-u", server.url, "--request-count", "5"],
      ...["--shared-memory", "system", "--output-shared-memory-size", "100000000000"],
    ], { timeoutMs: 30_000 });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {4}Request count: 5$/m);
    assert.equal((await server.shmTraffic()).regions, 0, "every region unregistered");
  });
});

Deno.test("more connections than the open-file limit: refused before the run, or the cap lowered", async () => {
  const prlimit = ["prlimit", "--nofile=200:200"];
  await withServer({ grpcPort: 0 }, async (server) => {
    const closed = await runChild(
      ["-m", "simple", "-u", server.url, "--concurrency-range", "1100", "-p", "200"],
      { timeoutMs: 30_000, wrapper: prlimit },
    );
    assert.equal(closed.timedOut, false);
    assert.equal(closed.code, 99);
    assert.equal(closed.stdout, "", "refused before the settings banner");
    assert.match(
      closed.stderr,
      /^error: concurrency 1100 needs 1100 connections, more than the open-file limit allows: the limit is 200 with \d+ files open; raise it to at least \d+ \(ulimit -Hn and -n\) or lower --concurrency-range\n$/,
    );
    const served = (await server.groundTruth("simple")).successCount;
    assert.equal(served, 0, "no request was sent");

    const open = await runChild([
      ...["-m", "simple", "-u", server.url, "--request-rate-range", "200", "--async"],
      // 1 s windows: a 200 ms one (40 requests) came up empty once at load average 11.
      ...["--max-inflight", "100000", "-p", "1000", "-s", "100000"],
    ], { timeoutMs: 30_000, wrapper: prlimit });
    assert.equal(open.timedOut, false);
    assert.equal(open.code, 0, open.stderr);
    assert.match(
      open.stderr,
      /^WARNING: --max-inflight 100000 lowered to \d+: the open-file limit is 200 with \d+ files open/,
    );
    assert.match(open.stdout, /^Request Rate: 200, throughput: [\d.]+ infer\/sec/m);

    // gRPC multiplexes: 300 concurrent calls need a few connections, not 300.
    const grpc = await runChild([
      ...["-m", "simple", "-u", server.grpcUrl!, "-i", "grpc", "--concurrency-range", "300"],
      ...["--request-count", "600"],
    ], { timeoutMs: 30_000, wrapper: prlimit });
    assert.equal(grpc.code, 0, grpc.stderr);
    assert.match(grpc.stdout, /^ {4}Request count: 600$/m);
  });
});
