/**
 * End-to-end: --shared-memory system over HTTP and gRPC against the reference server, which
 * reads inputs from and writes outputs into the same /dev/shm files and counts both. Validation
 * data that passes proves the outputs were read back from the regions; after every run, also
 * one the server refuses and one ended by Ctrl-C, no region is registered and no file is left.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer, withTempDir } from "./cli_harness.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const A = Array.from({ length: 16 }, (_, i) => i);
const B = Array.from({ length: 16 }, (_, i) => 3 * i + 1);

/** Region files a process with this pid created and did not remove. */
function leftovers(pid: number): string[] {
  return [...Deno.readDirSync("/dev/shm")].map((e) => e.name).filter((n) =>
    n.startsWith(`pa_${pid}_`)
  );
}

async function dataFile(dir: string): Promise<string> {
  const path = `${dir}/data.json`;
  const expected = (a: number[], b: number[]) => ({
    OUTPUT0: a.map((x, i) => x + b[i]),
    OUTPUT1: a.map((x, i) => x - b[i]),
  });
  await Deno.writeTextFile(
    path,
    JSON.stringify({
      data: [{ INPUT0: A, INPUT1: B }, { INPUT0: B, INPUT1: A }],
      validation_data: [expected(A, B), expected(B, A)],
    }),
  );
  return path;
}

Deno.test("shm over HTTP and gRPC: validated by region, server ground truth, nothing left", async () => {
  await withTempDir("pa_shm_", async (dir) => {
    const data = await dataFile(dir);
    await withServer({ grpcPort: 0 }, async (server) => {
      for (const target of [["-u", server.url], ["-u", server.grpcUrl!, "-i", "grpc"]]) {
        const before = await server.shmTraffic();
        const served = (await server.groundTruth("simple")).successCount;
        const r = await runCli([
          "-m",
          "simple",
          ...target,
          "--shared-memory",
          "system",
          "--input-data",
          data,
          "--request-count",
          "20",
        ]);
        assert.equal(r.code, 0, r.stdout + r.stderr);
        assert.equal(numberAfter(r.stdout, "    Request count: "), 20);
        assert.equal((await server.groundTruth("simple")).successCount - served, 20);
        const after = await server.shmTraffic();
        // Two inputs read and two outputs written per request, all through the regions.
        assert.equal(after.inputsRead - before.inputsRead, 40, target.join(" "));
        assert.equal(after.outputsWritten - before.outputsWritten, 40);
        assert.equal(after.regions, 0, "every region unregistered");
        assert.deepEqual(leftovers(Deno.pid), []);
      }
    });
  });
});

Deno.test("shm: a request the server refuses fails the run, regions still cleaned up", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    for (const target of [["-u", server.url], ["-u", server.grpcUrl!, "-i", "grpc"]]) {
      const r = await runCli([
        "-m",
        "simple",
        ...target,
        "--shared-memory",
        "system",
        "--output-shared-memory-size",
        "8",
        "--request-count",
        "5",
      ]);
      assert.notEqual(r.code, 0, r.stdout);
      assert.match(r.stdout + r.stderr, /should be at least 64 bytes to hold the results/);
      assert.equal((await server.shmTraffic()).regions, 0);
      assert.deepEqual(leftovers(Deno.pid), []);
    }
  });
});

Deno.test("shm: Ctrl-C ends the run gracefully and leaves no region", async () => {
  await withServer({}, async (server) => {
    const child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", MAIN, "-m", "simple", "-u", server.url, "--shared-memory", "system"],
      stdout: "piped",
      stderr: "null",
      env: { NO_COLOR: "1" },
    }).spawn();
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    try {
      const out = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
      let text = "";
      // Bounded by the killer: the stream ends when the child dies.
      while (!text.includes("*** Measurement Settings ***")) {
        const { value, done } = await out.read();
        if (done) break;
        text += value;
      }
      await new Promise((r) => setTimeout(r, 500));
      assert.ok(leftovers(child.pid).length > 0, "the run holds its regions while it runs");
      child.kill("SIGINT");
      for (;;) {
        const { value, done } = await out.read();
        if (done) break;
        text += value;
      }
      assert.equal((await child.status).code, 130, text);
      assert.match(text, /Request count: [1-9]/);
      assert.deepEqual(leftovers(child.pid), []);
      assert.equal((await server.shmTraffic()).regions, 0);
    } finally {
      clearTimeout(killer);
    }
  });
});

Deno.test("shm with a sequence model: steps register lazily under concurrency, none fail", async () => {
  await withServer({ computeUs: 200, grpcPort: 0 }, async (server) => {
    for (const target of [["-u", server.url], ["-u", server.grpcUrl!, "-i", "grpc"]]) {
      const before = await server.shmTraffic();
      const served = (await server.groundTruth("simple_sequence")).successCount;
      const r = await runCli([
        "-m",
        "simple_sequence",
        ...target,
        "--shared-memory",
        "system",
        "--concurrency-range",
        "3",
        "--sequence-length",
        "4",
        "--request-count",
        "40",
      ]);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.doesNotMatch(r.stdout, /Failed requests/);
      const after = await server.shmTraffic();
      // simple_sequence has one input: every request the server served (the 40 measured and
      // the ones that end sequences left open) read it from a region.
      const truth = (await server.groundTruth("simple_sequence")).successCount - served;
      assert.ok(truth >= 40, `${truth}`);
      assert.equal(after.inputsRead - before.inputsRead, truth, target.join(" "));
      assert.equal(after.regions, 0);
      assert.deepEqual(leftovers(Deno.pid), []);
    }
  });
});

Deno.test("shm refuses to validate a sequence model, whose sequences would share windows", async () => {
  await withTempDir("pa_shm_seq_", async (dir) => {
    const file = `${dir}/streams.json`;
    await Deno.writeTextFile(
      file,
      JSON.stringify({ data: [[{ INPUT: [1] }]], validation_data: [[{ OUTPUT: [1] }]] }),
    );
    await withServer({}, async (server) => {
      const r = await runCli([
        "-m",
        "simple_sequence",
        "-u",
        server.url,
        "--shared-memory",
        "system",
        "--input-data",
        file,
        "--request-count",
        "5",
      ]);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /validating the outputs of sequence model 'simple_sequence'/);
      assert.deepEqual(leftovers(Deno.pid), []);
    });
  });
});
