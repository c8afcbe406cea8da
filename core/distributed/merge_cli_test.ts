import assert from "node:assert/strict";
import { parseCommandLine } from "../cli/command_line.ts";
import { TEST_KINDS } from "../testing/kinds.ts";
import { makeRun } from "../testing/dist_artifacts.ts";
import { mergeMain } from "./merge_cli.ts";
import type { WorkerArtifact } from "./artifact.ts";
import { server } from "../report/testing/testdata.ts";

const ARGV = [
  "-m",
  "simple",
  "--concurrency-range",
  "8",
  "--worker-index",
  "0",
  "--worker-count",
  "3",
  "--start-at",
  "1",
  "--dist-out",
  "d",
];

/**
 * mergeMain over in-memory files: artifacts in folder "run", outputs captured (the output
 * paths are probed in an empty temporary folder, as the CLI probes them before writing).
 */
async function merge(artifacts: WorkerArtifact[], args: string[]) {
  const cwd = await Deno.makeTempDir({ prefix: "pa-merge-" });
  const files = new Map(artifacts.map((a) => [`run/worker-${a.worker.index}.json`, a]));
  const written = new Map<string, string>();
  let stdout = "";
  let stderr = "";
  const code = await mergeMain(["run", ...args], {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    readTextFile: (path) => Promise.resolve(JSON.stringify(files.get(path))),
    writeTextFile: (path, text) => Promise.resolve(void written.set(path, text)),
    listDir: (path) =>
      Promise.resolve(path === "run" ? [...files.keys()].map((p) => p.slice(4)) : undefined),
    cwd,
    backends: TEST_KINDS,
    parseArgs: (argv) => {
      const r = parseCommandLine(argv, TEST_KINDS);
      assert.ok(r.action === "run");
      return Promise.resolve(r.config);
    },
  });
  await Deno.remove(cwd, { recursive: true });
  return { code, stdout, stderr, written };
}

Deno.test("merge: one run's report and CSV from every worker's artifact", async () => {
  const { artifacts, whole } = makeRun(3, [900, 1000, 1000, 1000], ARGV);
  for (const w of whole) w.destroy();
  const r = await merge(artifacts, []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^Merged 3 worker artifacts of run r \(4 windows of 1000 ms/m);
  assert.match(r.stdout, /^Request concurrency: 8$/m);
  assert.match(r.stdout, /^Concurrency: 8, throughput: [0-9.]+ infer\/sec/m);
  assert.doesNotMatch(r.stdout + r.stderr, /PARTIAL/);
});

Deno.test("merge: a missing worker fails naming it; --allow-partial marks every output", async () => {
  const { artifacts, whole } = makeRun(3, [900, 1000, 1000, 1000], ARGV);
  for (const w of whole) w.destroy();
  const two = artifacts.filter((a) => a.worker.index !== 1);
  const missing = await merge(two, ["-f", "out.csv"]);
  assert.equal(missing.code, 99);
  assert.match(missing.stderr, /worker 1\/3 \(segment 1\/3:2\/3\) missing/);
  assert.equal(missing.written.size, 0);
  const partial = await merge(two, [
    "--allow-partial",
    "-f",
    "out.csv",
    "--report-json",
    "out.json",
    "--report-html",
    "out.html",
  ]);
  assert.equal(partial.code, 0, partial.stderr);
  const note = "PARTIAL: worker 1/3 (segment 1/3:2/3) missing; the workers merged sent 66.7% " +
    "of the offered load";
  assert.ok(partial.stdout.endsWith(`${note}\n`), partial.stdout);
  assert.ok(partial.written.get("out.csv")!.endsWith(`PARTIAL,"${note}"\n`));
  assert.equal(JSON.parse(partial.written.get("out.json")!).partial, note);
  assert.ok(partial.written.get("out.html")!.includes(`<body>\n<p><strong>${note}</strong></p>`));
});

Deno.test("merge: usage errors name the problem", async () => {
  const r = await merge([], ["--bogus"]);
  assert.equal(r.code, 99);
  assert.match(r.stderr, /unknown option --bogus/);
  const help = await merge([], ["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: perf_analyzer merge/);
});

Deno.test("merge: an unstable level names the windows each level ran, not --max-trials", async () => {
  // Throughput grows by half from window to window: never stable within the 4 windows.
  const { artifacts, whole } = makeRun(2, [400, 400, 600, 900], [...ARGV, "--dist-windows", "4"]);
  for (const w of whole) w.destroy();
  const r = await merge(artifacts, []);
  assert.notEqual(r.code, 0);
  assert.match(r.stdout + r.stderr, /within 4 measurement windows/);
});

Deno.test("merge: an unsynchronized clock under --start-at is warned about, not under MPI", async () => {
  const { artifacts, whole } = makeRun(3, [900, 1000, 1000, 1000], ARGV);
  for (const w of whole) w.destroy();
  artifacts[0].clock.sync = { state: "synchronized", maxErrorUs: 500, estErrorUs: 10 };
  artifacts[2].clock.sync = { state: "unsynchronized", maxErrorUs: 16_000_000, estErrorUs: 16 };
  const r = await merge(artifacts, []);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stderr,
    /^Warning: worker 2's clock was not synchronized \(max error 16000 ms\) \(adjtimex\)/m,
  );
  assert.doesNotMatch(r.stderr, /worker [01]'s clock/);
  for (const a of artifacts) a.clock.mode = "mpi-barrier";
  assert.doesNotMatch((await merge(artifacts, [])).stderr, /not synchronized/);
});

Deno.test("merge --request-count: no Server block or columns, and a warning says why", async () => {
  for (const count of [undefined, "300"]) {
    const argv = count === undefined ? ARGV : [...ARGV, "--request-count", count];
    const { artifacts, whole } = makeRun(3, [900, 1000, 1000, 1000], argv);
    for (const w of whole) w.destroy();
    artifacts[0].levels[0].server = server(900, [1000, 200, 100, 50_000, 100]);
    const r = await merge(artifacts, ["-f", "out.csv"]);
    assert.equal(r.code, 0, r.stderr);
    const csvHeader = r.written.get("out.csv")!.split("\n")[0];
    if (count === undefined) {
      assert.match(r.stdout, /^ {2}Server: \n {4}Inference count: 900$/m);
      assert.match(csvHeader, /,Server Queue,/);
      assert.doesNotMatch(r.stderr, /no server-side breakdown/);
    } else {
      assert.doesNotMatch(r.stdout, /Server:/);
      assert.doesNotMatch(csvHeader, /Server/);
      assert.match(
        r.stderr,
        /^Warning: no server-side breakdown is reported: with --request-count each worker's/m,
      );
    }
  }
});
