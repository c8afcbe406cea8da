/**
 * The distribution check: `deno task bundle`'s command, pointed at a temp dir, must make one
 * self-contained JS file. It is run from a directory holding nothing else (no deno.json, no
 * sources, no proto/, no node_modules) against the reference server: triton over HTTP and
 * gRPC, and torchserve, so every dynamic import, npm package and proto must be inside the file.
 */
import assert from "node:assert/strict";
import { type ReferenceServer, startServer } from "../server/mod.ts";
import { VERSION } from "../core/version.ts";
import { bundleTaskArgs } from "../scripts/bench_startup.ts";

const ROOT = new URL("../", import.meta.url).pathname;

async function run(args: string[], cwd: string): Promise<{ code: number; out: string }> {
  const cmd = new Deno.Command(Deno.execPath(), {
    args,
    cwd,
    // A packaged build's commit in this environment would be the bundle's answer to --version.
    env: { NO_COLOR: "1", PERF_ANALYZER_COMMIT: "" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  });
  const r = await cmd.output();
  const text = new TextDecoder();
  return { code: r.code, out: text.decode(r.stdout) + text.decode(r.stderr) };
}

/**
 * The older way: a descriptor importing the repository's core/plugin.ts by path, so its
 * RunError is that module's class, not the bundle's copy; its brand still makes it a RunError.
 */
const PATH_PLUGIN = `import { RunError } from "${ROOT}core/plugin.ts";
import plugin from "./down.ts";
const api = { RunError };
export default plugin(api);
`;

/**
 * Plugins next to the bundle, in a directory holding nothing of the repository: the example
 * plugin copied there alone (its import of core/plugin_api.ts is of types only) runs, and a
 * plugin's RunError, from the tool's API or from its own copy of core/plugin.ts, is the usual
 * one-line error with exit 99, not a stack trace.
 */
async function pluginsUnderTheBundle(file: string, dir: string, server: ReferenceServer) {
  await Deno.copyFile(`${ROOT}plugins/example/backend.ts`, `${dir}/example.ts`);
  const example = await run([
    ...["run", "-A", file, "-m", "simple", "-u", server.url, "--request-count", "7"],
    ...["--service-kind", "plugin:./example.ts"],
  ], dir);
  assert.equal(example.code, 0, example.out);
  assert.match(example.out, /Service Kind: EXAMPLE-JSON/);
  assert.match(example.out, /Request count: 7\n/);
  assert.equal(server.groundTruth("simple").successCount, 42);

  await Deno.copyFile(`${ROOT}core/testing/plugin_down.ts`, `${dir}/down.ts`);
  await Deno.writeTextFile(`${dir}/by_path.ts`, PATH_PLUGIN);
  for (const plugin of ["down.ts", "by_path.ts"]) {
    const r = await run(
      ["run", "-A", file, "-m", "simple", "--service-kind", `plugin:./${plugin}`],
      dir,
    );
    assert.equal(r.code, 99, r.out);
    assert.equal(r.out, "error: down: nothing answers at 127.0.0.1:1\n", plugin);
  }
}

/**
 * `--tokenizer builtin` counts with the o200k_base vocabulary packed inside the bundle: every
 * mock token is one common English word, one o200k_base token, and the mock's usage says 2 more
 * per request, so the report's tokenizer count is exactly what the mock says it wrote.
 */
async function builtinTokenizerInTheBundle(file: string, dir: string) {
  const llm = await startServer({ openai: { usageOffset: 2 } });
  try {
    const r = await run([
      ...["run", "-A", file, "--service-kind", "openai", "-m", "mock-llm"],
      ...["--endpoint", "v1/chat/completions", "-u", llm.url, "--request-count", "4"],
      ...["--tokenizer", "builtin"],
    ], dir);
    assert.equal(r.code, 0, r.out);
    const truth = await llm.openaiTruth();
    const written = truth.reduce((sum, t) => sum + t.completionTokens, 0);
    assert.ok(truth.length >= 4 && written > 0, `${truth.length} requests`);
    assert.match(
      r.out,
      new RegExp(
        `Tokenizer vs server usage, output tokens of ${truth.length} requests with both: ` +
          `tokenizer ${written}, server ${written + 2 * truth.length}`,
      ),
    );
  } finally {
    await llm.close();
  }
}

Deno.test("the bundle is one file that runs alone, built-in backends included", async () => {
  const dir = await Deno.makeTempDir({ prefix: "pa_bundle_" });
  const server = await startServer({ grpcPort: 0 });
  try {
    const file = `${dir}/perf_analyzer.js`;
    const built = await run(await bundleTaskArgs(file), ROOT);
    assert.equal(built.code, 0, built.out);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["perf_analyzer.js"]);
    const source = await Deno.readTextFile(file);
    // node: built-ins are part of the runtime; anything else would be a file missing here.
    assert.doesNotMatch(source, /\bimport\(\s*["'](?!node:)/, "no dynamic import left to resolve");
    assert.doesNotMatch(source, /["']npm:/, "npm packages are inlined");

    // Copied out of the checkout, the bundle has no commit to name (and finds that out
    // without throwing: see holdsFile in core/version.ts).
    const version = await run(["run", "-A", file, "--version"], dir);
    assert.deepEqual(version, {
      code: 0,
      out: `Perf Analyzer Version ${VERSION} (commit unknown)\n`,
    });

    const triton = await run(
      ["run", "-A", file, "-m", "simple", "-u", server.url, "--request-count", "20"],
      dir,
    );
    assert.equal(triton.code, 0, triton.out);
    assert.match(triton.out, /Request count: 20\n/);
    assert.equal(server.groundTruth("simple").successCount, 20);

    // gRPC reads its service definition from the bundle too, not from a proto/ directory.
    const grpc = await run([
      ...["run", "-A", file, "-m", "simple", "-i", "grpc", "-u", server.grpcUrl!],
      ...["--request-count", "10"],
    ], dir);
    assert.equal(grpc.code, 0, grpc.out);
    assert.match(grpc.out, /Request count: 10\n/);
    assert.equal(server.groundTruth("simple").successCount, 30);

    const a = [...Array(16).keys()];
    await Deno.writeTextFile(`${dir}/in.json`, JSON.stringify({ INPUT0: a, INPUT1: a }));
    await Deno.writeTextFile(`${dir}/data.json`, '{"data": [{"TORCHSERVE_INPUT": ["in.json"]}]}');
    const ts = await run([
      ...["run", "-A", file, "-m", "simple", "--service-kind", "torchserve"],
      ...["-u", server.url, "--input-data", "data.json", "--request-count", "5"],
    ], dir);
    assert.equal(ts.code, 0, ts.out);
    assert.match(ts.out, /Service Kind: TORCHSERVE/);
    assert.match(ts.out, /Request count: 5\n/);
    assert.equal(server.groundTruth("simple").successCount, 35);

    await pluginsUnderTheBundle(file, dir, server);
    await builtinTokenizerInTheBundle(file, dir);
  } finally {
    await server.close();
    await Deno.remove(dir, { recursive: true });
  }
});
