/**
 * dist/perf_analyzer as a user without Deno, npm or node meets it: built once, then run with a
 * PATH holding only the coreutils its header needs, from an empty folder, against the reference
 * server.
 */
import assert from "node:assert/strict";
import { buildPackage } from "./package.ts";
import { startServer } from "../server/mod.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** What the header runs; nothing else is on PATH (no node, npx or deno). */
const HEADER_TOOLS = [
  "sh",
  "tail",
  "sha256sum",
  "cut",
  "tar",
  "gzip",
  "mkdir",
  "mktemp",
  "mv",
  "rm",
];

function which(tool: string): string {
  const out = new Deno.Command("sh", { args: ["-c", `command -v ${tool}`] }).outputSync();
  assert.ok(out.success, `${tool} is needed on this machine to run the packaged file`);
  return new TextDecoder().decode(out.stdout).trim();
}

interface Sandbox {
  root: string;
  bin: string;
  exe: string;
  cwd: string;
}

async function sandbox(exe: string): Promise<Sandbox> {
  const root = await Deno.makeTempDir({ prefix: "pa_package_test_" });
  const bin = `${root}/bin`;
  await Deno.mkdir(bin);
  for (const tool of HEADER_TOOLS) await Deno.symlink(which(tool), `${bin}/${tool}`);
  await Deno.mkdir(`${root}/home`);
  await Deno.mkdir(`${root}/work`);
  return { root, bin, exe, cwd: `${root}/work` };
}

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function runIn(s: Sandbox, args: string[], exe = s.exe): Promise<Run> {
  const child = new Deno.Command(exe, {
    args,
    cwd: s.cwd,
    clearEnv: true,
    env: { PATH: s.bin, HOME: `${s.root}/home`, NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
  } finally {
    clearTimeout(timer);
  }
}

function cacheEntries(s: Sandbox): string[] {
  return [...Deno.readDirSync(`${s.root}/home/.cache/perf_analyzer`)].map((e) => e.name).sort();
}

Deno.test({
  name: "the packaged file runs with nothing but coreutils on PATH, and unpacks once",
  sanitizeResources: false,
  async fn(t) {
    const built = await Deno.makeTempDir({ prefix: "pa_package_build_" });
    const server = await startServer({ host: "127.0.0.1" });
    const s = await sandbox(await buildPackage(`${built}/perf_analyzer`));
    try {
      await t.step("two first runs at once both work and leave one unpacked copy", async () => {
        const runs = await Promise.all([runIn(s, ["--version"]), runIn(s, ["--version"])]);
        for (const r of runs) {
          assert.equal(r.code, 0, r.stderr);
          assert.match(r.stderr, /^Perf Analyzer Version \d+\.\d+\.\d+ \(commit [^)]+\)\n$/);
        }
        const entries = cacheEntries(s);
        assert.equal(entries.length, 1, entries.join(" "));
        assert.match(entries[0], /^[0-9a-f]{64}$/);
      });

      await t.step("a measurement against the reference server matches its count", async () => {
        const r = await runIn(s, ["-m", "simple", "-u", server.url, "--request-count", "40"]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, /^ {4}Request count: 40$/m, r.stdout);
        assert.match(r.stdout, /^Inferences\/Second vs\. Client .*Latency$/m);
        assert.equal(server.groundTruth("simple").successCount, 40);
      });

      await t.step("a plugin copied beside it runs; its RunError is one line", async () => {
        await Deno.copyFile(`${ROOT}plugins/example/backend.ts`, `${s.cwd}/example.ts`);
        await Deno.copyFile(`${ROOT}core/testing/plugin_down.ts`, `${s.cwd}/down.ts`);
        const example = await runIn(s, [
          ...["-m", "simple", "-u", server.url, "--request-count", "9"],
          ...["--service-kind", "plugin:./example.ts"],
        ]);
        assert.equal(example.code, 0, example.stderr);
        assert.match(example.stdout, /^ {4}Request count: 9$/m, example.stdout);
        assert.equal(server.groundTruth("simple").successCount, 49);
        const down = await runIn(s, ["-m", "simple", "--service-kind", "plugin:./down.ts"]);
        assert.equal(down.code, 99);
        assert.equal(down.stdout + down.stderr, "error: down: nothing answers at 127.0.0.1:1\n");
      });

      await t.step("a damaged copy refuses to run and says so", async () => {
        const bytes = await Deno.readFile(s.exe);
        bytes[bytes.length - 100] ^= 0xff;
        const damaged = `${s.root}/damaged`;
        await Deno.writeFile(damaged, bytes, { mode: 0o755 });
        await Deno.remove(`${s.root}/home/.cache`, { recursive: true });
        const r = await runIn(s, ["--version"], damaged);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /damaged \(archive checksum [0-9a-f]{64}, expected [0-9a-f]{64}\)/);
        assert.deepEqual(cacheEntries(s), []);
      });
    } finally {
      await server.close();
      await Deno.remove(s.root, { recursive: true });
      await Deno.remove(built, { recursive: true });
    }
  },
});
