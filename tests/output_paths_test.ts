/**
 * End-to-end: every output path is checked before the first request, and a file that cannot be
 * written at the end does not lose what the run measured.
 */
import assert from "node:assert/strict";
import { main } from "../main.ts";
import { ANY_THREE_WINDOWS, runCli, withServer, withTempDir } from "./cli_harness.ts";
import { startRawServer } from "../wire/http1/testing/raw_server.ts";

/** Runs the CLI against a peer that only counts connections: a checked path never reaches it. */
async function refusedBeforeConnecting(args: string[]): Promise<{ code: number; stderr: string }> {
  const peer = startRawServer(async () => {});
  try {
    const r = await runCli(["-m", "simple", "-u", `127.0.0.1:${peer.port}`, ...args]);
    assert.equal(r.stdout, "", "nothing is printed before the error");
    assert.equal(peer.accepted, 0, "no connection was made");
    return { code: r.code, stderr: r.stderr };
  } finally {
    await peer.close();
  }
}

Deno.test("output paths: a missing directory is refused for every output flag, before any request", async () => {
  for (const flag of ["-f", "--report-json", "--report-html", "--profile-export-file"]) {
    const r = await refusedBeforeConnecting([flag, "/nonexistent-dir/x.out"]);
    assert.equal(r.code, 99);
    assert.equal(
      r.stderr,
      `error: Cannot write ${flag} "/nonexistent-dir/x.out": its directory does not exist.\n`,
    );
  }
});

Deno.test("output paths: a directory, a shared path and an existing export are refused", async () => {
  await withTempDir("pa_out_", async (dir) => {
    const isDir = await refusedBeforeConnecting(["--report-html", dir]);
    assert.equal(isDir.code, 99);
    assert.equal(isDir.stderr, `error: Cannot write --report-html "${dir}": it is a directory.\n`);

    const twice = await refusedBeforeConnecting([
      ...["-f", `${dir}/same`, "--report-json", `${dir}/same`],
    ]);
    assert.equal(twice.code, 99);
    assert.equal(
      twice.stderr,
      `error: Cannot write --report-json "${dir}/same": -f writes the same file.\n`,
    );

    await Deno.writeTextFile(`${dir}/old.json`, "keep");
    const exists = await refusedBeforeConnecting(["--profile-export-file", `${dir}/old.json`]);
    assert.equal(exists.code, 99);
    assert.equal(
      exists.stderr,
      `error: Cannot write --profile-export-file "${dir}/old.json": the file already exists; ` +
        "remove it or choose another path.\n",
    );
    assert.equal(await Deno.readTextFile(`${dir}/old.json`), "keep");
    // The probes left nothing behind: a new path is created only by the run itself.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["old.json"]);
  });
});

Deno.test("output paths: an existing CSV is probed without being truncated", async () => {
  await withTempDir("pa_out_", async (dir) => {
    await Deno.writeTextFile(`${dir}/prev.csv`, "previous run");
    // The server is unreachable, so the run ends after the probe and before writing.
    const r = await runUnreachable(["-f", `${dir}/prev.csv`]);
    assert.equal(r.code, 99);
    assert.match(r.stderr, /^error: failed to get model metadata/);
    assert.equal(await Deno.readTextFile(`${dir}/prev.csv`), "previous run");
  });
});

/** A run against a port nothing listens on: it gets past the output checks and fails there. */
async function runUnreachable(args: string[]) {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return await runCli(["-m", "simple", "-u", `127.0.0.1:${port}`, ...args]);
}

Deno.test("output paths: a write that fails at the end prints the file and exits 99", async () => {
  await withServer({ computeUs: 100 }, async (server) => {
    await withTempDir("pa_out_", async (dir) => {
      const sub = `${dir}/gone`;
      await Deno.mkdir(sub);
      let stdout = "";
      let stderr = "";
      const io = {
        stdout: (t: string) => {
          // The settings banner comes after the checks and before the load: the directory
          // disappears mid-run, as a cleaned-up scratch directory would.
          if (stdout === "") Deno.removeSync(sub);
          stdout += t;
        },
        stderr: (t: string) => void (stderr += t),
      };
      const code = await main([
        ...["-m", "simple", "-u", server.url, "-p", "200", ...ANY_THREE_WINDOWS],
        ...["-f", `${sub}/run.csv`, "--report-json", `${dir}/run.json`],
      ], io);
      assert.equal(code, 99);
      assert.equal(
        stderr,
        `error: Cannot write -f "${sub}/run.csv": its directory does not exist. ` +
          "Its content follows on stdout.\n",
      );
      // The report is whole, the CSV follows it, and the other file was still written.
      assert.match(stdout, /Inferences\/Second vs\. Client Average Batch Latency\n/);
      const marker = `--- -f ${sub}/run.csv (not written) ---\n`;
      const csv = stdout.slice(stdout.indexOf(marker) + marker.length).split("\n");
      assert.ok(stdout.includes(marker), stdout);
      assert.match(csv[0], /^Concurrency,Inferences\/Second,/);
      assert.match(csv[1], /^1,\d/);
      const json = JSON.parse(await Deno.readTextFile(`${dir}/run.json`));
      assert.equal(json.levels.length, 1);
    });
  });
});
