/**
 * The Indexed Job manifest: its YAML parses back to the objects built, they pass the Kubernetes
 * schema (kubernetes-models, offline), and its pod script runs here as local processes, with
 * JOB_COMPLETION_INDEX and the ConfigMap's values set as the kubelet would set them.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { Job } from "kubernetes-models/batch/v1/Job";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { type K8sPlan, manifest } from "./manifest.ts";
import { toYaml, type YamlValue } from "./yaml.ts";
import { runPods } from "./testing/pods.ts";
import { type DistIo, distMain } from "./cli.ts";

/** Arguments a shell or YAML could mangle: quotes, comment and flow characters, YAML words. */
const AWKWARD = [
  "-m",
  "simple",
  "--input-data",
  'it\'s "quoted" $HOME `x` \\n',
  "",
  "  leading and trailing  ",
  "yes",
  "0x10",
  "# not a comment",
  "a: b, [c] {d}",
  "ünïcode ✓",
  "-",
];

const plan = (over: Partial<K8sPlan> = {}): K8sPlan => ({
  name: "pa-run1",
  namespace: "load",
  workers: 3,
  image: "registry.example/pa:1",
  command: "perf_analyzer",
  args: AWKWARD,
  startAtMs: 1_796_615_000_000,
  runId: "run1",
  cpu: "4",
  deadlineS: 600,
  ...over,
});

Deno.test("the YAML parses back to exactly the objects built", () => {
  const docs = manifest(plan());
  const parsed = parseAllDocuments(toYaml(docs)).map((d) => {
    assert.deepEqual(d.errors, []);
    return d.toJS();
  });
  assert.deepEqual(parsed, docs);
  // Awkward scalars survive in any position, as block text or quoted.
  const odd: { [k: string]: YamlValue } = {
    list: ["", "true", "1e3", "null", "~", " x", "a\n  b\n", "\n\nx", "x\n\n", "\ttab\n"],
    "key with space": { "": "empty key", "-": [[], {}] },
  };
  assert.deepEqual(parseAllDocuments(toYaml([odd]))[0].toJS(), odd);
});

Deno.test("Job and ConfigMap pass the Kubernetes schema; a wrong type does not", () => {
  const [cm, job] = manifest(plan());
  new ConfigMap(cm as never).validate();
  new Job(job as never).validate();
  const spec = job.spec as { [k: string]: YamlValue };
  assert.equal(spec.completionMode, "Indexed");
  assert.equal(spec.backoffLimitPerIndex, 0);
  const pod = (spec.template as { spec: { restartPolicy: string } }).spec;
  assert.equal(pod.restartPolicy, "Never");
  // The validator does check: the same Job with a string where an integer belongs fails.
  const bad = structuredClone(job);
  (bad.spec as { [k: string]: YamlValue }).backoffLimitPerIndex = "0";
  assert.throws(() => new Job(bad as never).validate(), /backoffLimitPerIndex must be integer/);
});

Deno.test("names, flags the Job sets itself and unwritable arguments are refused", () => {
  const refuse = (over: Partial<K8sPlan>, message: RegExp) =>
    assert.throws(() => manifest(plan(over)), message);
  refuse({ name: "Pa_Run" }, /--name "Pa_Run": use at most 40 lower-case letters/);
  refuse({ name: "p".repeat(41) }, /at most 40/);
  refuse({ args: ["-m", "s", "--start-at", "1"] }, /dist k8s sets --start-at on every worker/);
  refuse({ args: ["--worker-count=2"] }, /dist k8s sets --worker-count/);
  refuse({ args: ["a\nb"] }, /holds a newline/);
  refuse({ args: [] }, /after --, e\.g\. -- -m M -u URL/);
});

/** A stand-in perf_analyzer: prints its arguments and index as JSON; fails if asked. */
const FAKE_WORKER = `
const index = Deno.env.get("JOB_COMPLETION_INDEX");
if (Deno.env.get("FAIL_INDEX") === index) Deno.exit(3);
console.log(JSON.stringify({ index, args: Deno.args }));
`;

Deno.test("the pod script runs as local processes: every argument arrives", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pa_k8s_" });
  try {
    const fake = join(dir, "fake_worker.ts");
    await Deno.writeTextFile(fake, FAKE_WORKER);
    const p = plan({ command: `${Deno.execPath()} run -A ${fake}` });
    const pods = await runPods(manifest(p), dir);
    assert.deepEqual(pods.map((r) => r.code), [0, 0, 0]);
    for (const [i, pod] of pods.entries()) {
      assert.deepEqual(JSON.parse(pod.log), {
        index: String(i),
        args: [
          ...AWKWARD,
          ...["--worker-count", "3", "--start-at", "1796615000000"],
          ...["--dist-run-id", "run1", "--dist-out", "-"],
        ],
      });
    }
    // A failed worker: the pod exits with the worker's code (the shell exec'd it).
    const failed = await runPods(manifest(p), join(dir, "again"), { FAIL_INDEX: "1" });
    assert.deepEqual(failed.map((r) => r.code), [0, 3, 0]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function memoryIo() {
  const out = { stdout: "", stderr: "", files: {} as Record<string, string> };
  const io: DistIo = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    writeTextFile: (p, t) => Promise.resolve(void (out.files[p] = t)),
    nowMs: () => 1_796_615_000_000,
  };
  return { io, out };
}

Deno.test("dist k8s on the command line", async () => {
  const { io, out } = memoryIo();
  const code = await distMain(
    ["k8s", "--workers", "2", "--image", "img", "--run-id", "Run_1", "--", "-m", "simple"],
    io,
  );
  assert.equal(code, 0, out.stderr);
  const [cm, job] = parseAllDocuments(out.stdout).map((d) => d.toJS());
  assert.equal(cm.metadata.name, "pa-run-1");
  // The start is the launch time plus the default 120 s budget, computed once.
  assert.equal(cm.data.START_AT, String(1_796_615_000_000 + 120_000));
  assert.equal(job.spec.completions, 2);
  assert.match(out.stderr, /kubectl logs -l job-name=pa-run-1 --tail=-1 --prefix > logs.txt/);

  const bad = memoryIo();
  assert.equal(await distMain(["k8s", "--image", "img", "--", "-m", "s"], bad.io), 99);
  assert.equal(bad.out.stderr, "Error: dist k8s needs --workers.\n");
  assert.equal(await distMain(["k8s", "--workers", "2", "--bogus"], bad.io), 99);
  assert.match(bad.out.stderr, /Unknown option '--bogus'/);
  assert.equal(await distMain(["nope"], bad.io), 99);
  // -o writes the manifest to the file instead.
  const file = memoryIo();
  const args = ["k8s", "--workers", "2", "--image", "img", "-o", "job.yaml", "--", "-m", "s"];
  assert.equal(await distMain(args, file.io), 0);
  assert.equal(file.out.stdout, "");
  assert.match(file.out.files["job.yaml"], /^apiVersion: "v1"\nkind: "ConfigMap"/);
});
