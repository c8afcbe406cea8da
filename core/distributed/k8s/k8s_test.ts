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
import { extractArtifacts } from "./collect.ts";
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

const LOG = (file: string, body: string, prefix = "") =>
  [
    `${prefix}----- BEGIN perf_analyzer artifact ${file} -----`,
    ...body.split("\n").map((l) => prefix + l),
    `${prefix}----- END perf_analyzer artifact -----`,
  ].join("\n");

Deno.test("collect: artifacts from plain, prefixed and interleaved logs", () => {
  const plain = `noise\n${LOG("worker-0.json", '{\n  "a": 1\n}')}\nmore noise\n`;
  assert.deepEqual([...extractArtifacts(plain)], [["worker-0.json", '{\n  "a": 1\n}\n']]);
  // kubectl logs --prefix, two pods' lines interleaved.
  const p0 = "[pod/pa-run1-0-abcde/worker] ";
  const p1 = "[pod/pa-run1-1-fghij/worker] ";
  const a = LOG("worker-0.json", '{"i":0}', p0).split("\n");
  const b = LOG("worker-1.json", '{"i":1}', p1).split("\n");
  const mixed = a.flatMap((line, i) => [line, b[i]]).join("\n");
  assert.deepEqual(
    [...extractArtifacts(mixed)],
    [["worker-0.json", '{"i":0}\n'], ["worker-1.json", '{"i":1}\n']],
  );
  // The same log given twice is one artifact; two different ones of one name are an error.
  assert.equal(extractArtifacts(plain + plain).size, 1);
  assert.throws(
    () => extractArtifacts(plain + LOG("worker-0.json", "{}")),
    /Two different artifacts named worker-0.json/,
  );
  assert.throws(
    () => extractArtifacts(LOG("worker-2.json", "{}").split("\n").slice(0, -1).join("\n")),
    /The logs end inside worker-2.json \(no end marker\)/,
  );
});

/** A stand-in perf_analyzer: writes its arguments as its artifact; index 1 fails if asked. */
const FAKE_WORKER = `
const args = Deno.args;
const out = args[args.indexOf("--dist-out") + 1];
const index = Deno.env.get("JOB_COMPLETION_INDEX");
if (Deno.env.get("FAIL_INDEX") === index) Deno.exit(3);
await Deno.mkdir(out, { recursive: true });
await Deno.writeTextFile(\`\${out}/worker-\${index}.json\`, JSON.stringify({ args }));
`;

Deno.test("the pod script runs as local processes: every argument arrives, logs collect", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pa_k8s_" });
  try {
    const fake = join(dir, "fake_worker.ts");
    await Deno.writeTextFile(fake, FAKE_WORKER);
    const p = plan({ command: `${Deno.execPath()} run -A ${fake}` });
    const pods = await runPods(manifest(p), dir);
    assert.deepEqual(pods.map((r) => r.code), [0, 0, 0]);
    const artifacts = extractArtifacts(pods.map((r) => r.log).join(""));
    assert.deepEqual([...artifacts.keys()], ["worker-0.json", "worker-1.json", "worker-2.json"]);
    for (const [i, text] of [...artifacts.values()].entries()) {
      assert.deepEqual(JSON.parse(text).args, [
        ...AWKWARD,
        ...["--worker-count", "3", "--start-at", "1796615000000"],
        ...["--dist-run-id", "run1", "--dist-out", join(dir, `pod-${i}`, "perf-analyzer-dist")],
      ]);
    }
    // A failed worker: its pod exits with the worker's code and prints no artifact.
    const failed = await runPods(manifest(p), join(dir, "again"), { FAIL_INDEX: "1" });
    assert.deepEqual(failed.map((r) => r.code), [0, 3, 0]);
    assert.equal(extractArtifacts(failed[1].log).size, 0);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

function memoryIo(files: Record<string, string> = {}) {
  const out = { stdout: "", stderr: "", files, dirs: [] as string[] };
  const io: DistIo = {
    stdout: (t) => void (out.stdout += t),
    stderr: (t) => void (out.stderr += t),
    readTextFile: (p) => Promise.resolve(files[p] ?? ""),
    writeTextFile: (p, t) => Promise.resolve(void (files[p] = t)),
    mkdir: (p) => Promise.resolve(void out.dirs.push(p)),
    nowMs: () => 1_796_615_000_000,
  };
  return { io, out };
}

Deno.test("dist k8s and dist collect on the command line", async () => {
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
  assert.match(out.stderr, /perf_analyzer dist collect --out Run_1 logs.txt/);

  const bad = memoryIo();
  assert.equal(await distMain(["k8s", "--image", "img", "--", "-m", "s"], bad.io), 99);
  assert.equal(bad.out.stderr, "Error: dist k8s needs --workers.\n");
  assert.equal(await distMain(["k8s", "--workers", "2", "--bogus"], bad.io), 99);
  assert.match(bad.out.stderr, /Unknown option '--bogus'/);
  assert.equal(await distMain(["nope"], bad.io), 99);

  const logs = memoryIo({
    "a.txt": LOG("worker-0.json", "{}"),
    "b.txt": LOG("worker-1.json", "{}"),
  });
  assert.equal(await distMain(["collect", "--out", "run", "a.txt", "b.txt"], logs.io), 0);
  assert.deepEqual(logs.out.dirs, ["run"]);
  assert.equal(logs.out.files["run/worker-1.json"], "{}\n");
  assert.equal(await distMain(["collect", "empty.txt"], logs.io), 99);
  assert.match(logs.out.stderr, /No worker artifact in empty.txt/);
});
