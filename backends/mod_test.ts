import assert from "node:assert/strict";
import { HELP_EXAMPLES, usageText } from "../core/cli/help.ts";
import { parseCommandLine } from "../core/cli/command_line.ts";
import { OptionTable } from "../core/cli/spec.ts";
import { BUILT_IN_BACKENDS } from "./mod.ts";
import { perfAnalyzerFlagNames } from "../core/testing/perf_analyzer_flags.ts";

Deno.test("built-in kinds: triton is the default, every kind is unique, flags do not clash", () => {
  const kinds = BUILT_IN_BACKENDS.map((d) => d.kind);
  assert.deepEqual(kinds, [
    "triton",
    "triton_c_api",
    "torchserve",
    "tfserving",
    "openai",
    "dynamic_grpc",
  ]);
  assert.doesNotThrow(() => new OptionTable(BUILT_IN_BACKENDS));
});

Deno.test("--help lists each built-in kind with its URLs and statistics, then its own flags", () => {
  const text = usageText(BUILT_IN_BACKENDS);
  const flat = text.replace(/\s+/g, " ");
  assert.match(
    flat,
    / triton Protocols: http \(-u localhost:8000\), grpc \(-u localhost:8001\); KServe v2 \/ Triton HTTP, or Triton gRPC\. Server statistics: yes \(statistics extension\)\. Modes: /,
  );
  assert.match(
    flat,
    / torchserve Protocols: http \(-u localhost:8000\)\. Server statistics: no \(client-side only\)\. .*TORCHSERVE_INPUT/,
  );
  assert.match(
    flat,
    / tfserving Protocols: grpc \(-u localhost:8500\), http \(-u localhost:8501\); http = REST API\./,
  );
  assert.match(
    flat,
    / openai Protocols: http \(-u localhost:8000\); OpenAI-compatible API .* Server statistics: no /,
  );
  assert.match(flat, /Options of --service-kind openai: --endpoint <path> /);
  assert.match(flat, / triton_c_api Protocols: none \(Triton runs in this process\)\./);
  assert.match(flat, / plugin:<path-or-URL> Protocols: what the module declares\./);
  assert.match(flat, /Options of --service-kind triton: --shared-memory <kind> /);
  assert.match(flat, /Options of --service-kind triton_c_api: --triton-server-directory <dir> /);
  assert.match(
    flat,
    /Options of --service-kind tfserving: --model-signature-name <name> .*\[default: serving_default\]/,
  );
  // One group per kind that adds flags, in list order, and none for the others.
  const groups = [...text.matchAll(/^Options of --service-kind (\S+):$/gm)].map((m) => m[1]);
  assert.deepEqual(groups, BUILT_IN_BACKENDS.filter((d) => d.flags?.length).map((d) => d.kind));
  for (const line of text.split("\n")) assert.ok(line.length <= 100, line);
});

/** Modules main.ts reaches through static imports only (what --help evaluates). */
async function staticGraph(entry: string): Promise<string[]> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    stdout: "piped",
    stderr: "null",
  }).output();
  type Dep = { isDynamic?: boolean; code?: { specifier?: string } };
  type Module = { specifier: string; dependencies?: Dep[] };
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: Module[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const stack = [...info.roots];
  while (stack.length > 0) {
    const m = bySpecifier.get(stack.pop()!);
    if (m === undefined || seen.has(m.specifier)) continue;
    seen.add(m.specifier);
    for (const d of m.dependencies ?? []) {
      if (!d.isDynamic && d.code?.specifier) stack.push(d.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("a built-in kind's flag is marked ours exactly when perf_analyzer lacks it", () => {
  const pa = perfAnalyzerFlagNames();
  for (const d of BUILT_IN_BACKENDS) {
    for (const f of d.flags ?? []) {
      assert.equal(f.ours === true, !pa.has(`--${f.long}`), `${d.kind}: --${f.long}`);
    }
  }
});

Deno.test("every --help example parses with the built-in kinds", () => {
  for (const [command] of HELP_EXAMPLES) {
    const [tool, ...argv] = command.split(" ");
    assert.equal(tool, "perf_analyzer");
    // Subcommands with their own parsers and tests.
    if (argv[0] === "compare" || argv[0] === "profile") continue;
    assert.equal(parseCommandLine(argv, BUILT_IN_BACKENDS).action, "run", command);
  }
  assert.ok(usageText(BUILT_IN_BACKENDS).includes(`\nExamples:\n  ${HELP_EXAMPLES[0][0]}\n`));
});

Deno.test("main.ts statically loads only the descriptors: backends load in create()", async () => {
  const root = new URL("../", import.meta.url).href;
  const graph = await staticGraph(new URL("../main.ts", import.meta.url).pathname);
  const backends = graph.filter((s) => s.startsWith(`${root}backends/`))
    .map((s) => s.slice(root.length)).sort();
  assert.ok(backends.includes("backends/triton/descriptor.ts"), backends.join("\n"));
  for (const file of backends) {
    assert.match(file, /^backends\/(mod|\w+\/(descriptor|options))\.ts$/, `${file} loads eagerly`);
  }
  assert.deepEqual(graph.filter((s) => s.startsWith("npm:")), [], "no npm package (grpc-js)");
});

/** Relative import targets of a module, as paths from the repository root. */
async function importsOf(file: string, root: URL): Promise<string[]> {
  const text = await Deno.readTextFile(new URL(file, root));
  const dir = new URL(".", new URL(file, root));
  return [...text.matchAll(/(?:from|import)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)]
    .map((m) => new URL(m[1], dir).href.slice(root.href.length));
}

/** A folder's production modules (no tests, no test helpers), from the repository root. */
async function productionFiles(folder: string, root: URL): Promise<string[]> {
  const out: string[] = [];
  for await (const e of Deno.readDir(new URL(folder, root))) {
    const path = `${folder}/${e.name}`;
    if (e.isFile && e.name.endsWith(".ts") && !e.name.endsWith("_test.ts")) out.push(path);
    else if (e.isDirectory && e.name !== "testing") out.push(...await productionFiles(path, root));
  }
  return out;
}

Deno.test("a kind's folder imports core, wire, proto, backends/net and /shared, no other kind", async () => {
  const root = new URL("../", import.meta.url);
  const kinds = BUILT_IN_BACKENDS.map((d) => d.kind);
  for (const folder of [...kinds, "net", "shared"]) {
    const own = `backends/${folder}/`;
    const allowed = ["core/", "wire/", "proto/", "backends/net/", "backends/shared/", own];
    for (const file of await productionFiles(`backends/${folder}`, root)) {
      for (const target of await importsOf(file, root)) {
        assert.ok(allowed.some((a) => target.startsWith(a)), `${file} imports ${target}`);
      }
    }
  }
});
