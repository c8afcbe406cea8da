/**
 * A Kubernetes run with no cluster: `dist k8s` writes the manifest, its pods run here as local
 * processes (JOB_COMPLETION_INDEX and the ConfigMap set as the kubelet would), real workers
 * against the reference server; `merge` reads their logs as they are, and the merged count is
 * the server's ground truth.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { numberAfter, runCli, withServer, withTempDir } from "./cli_harness.ts";
import { runPods } from "../core/distributed/k8s/testing/pods.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;

Deno.test("dist k8s: the Job's pods as local processes, their logs merged to the truth", async () => {
  await withServer({ computeUs: 200 }, async (server) => {
    await withTempDir("pa-k8s-", async (dir) => {
      const generated = await runCli([
        "dist",
        "k8s",
        ...["--workers", "3", "--image", "unused", "--run-id", "sim1"],
        // The image's perf_analyzer is this checkout; the pods need a few seconds to start.
        ...["--command", `${Deno.execPath()} run -A ${MAIN}`, "--startup-budget", "8"],
        "--",
        ...["-m", "simple", "-u", server.url, "--concurrency-range", "3"],
        ...["--request-count", "301"],
      ]);
      assert.equal(generated.code, 0, generated.stderr);
      const docs = parseAllDocuments(generated.stdout).map((d) => d.toJS());
      const pods = await runPods(docs, join(dir, "pods"));
      for (const p of pods) assert.equal(p.code, 0, p.stderr);
      // What `kubectl logs -l job-name=... --prefix` prints: each pod's log, its lines prefixed.
      const logs = join(dir, "logs.txt");
      const prefixed = pods.map((p) =>
        p.log.trimEnd().split("\n").map((l) => `[pod/pa-sim1-${p.index}-x1b2c/worker] ${l}\n`)
          .join("")
      );
      await Deno.writeTextFile(logs, prefixed.join(""));
      const merged = await runCli(["merge", logs]);
      assert.equal(merged.code, 0, merged.stderr);
      const truth = await server.groundTruth("simple");
      assert.equal(truth.successCount, 301);
      assert.equal(numberAfter(merged.stdout, "    Request count: "), 301);
      assert.match(merged.stdout, /^Merged 3 worker artifacts of run sim1 /m);
    });
  });
});
