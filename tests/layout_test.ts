/**
 * The import rules of the layout, checked on every file: core names no backend and no server,
 * the reference server stays an independent oracle (it sees only wire/), wire/ imports nothing of
 * ours, and core names no built-in service kind (kinds reach it only through descriptors).
 */
import assert from "node:assert/strict";
import { dirname, join, relative, resolve } from "node:path";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), "..");
const SPECIFIER = /(?:from\s*|import\s*\(\s*|import\s+)["'](\.{1,2}\/[^"']+)["']/g;

async function* sources(dir: string): AsyncGenerator<string> {
  for await (const entry of Deno.readDir(join(ROOT, dir))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) yield* sources(path);
    else if (entry.name.endsWith(".ts")) yield path;
  }
}

/** Repository-relative paths of the files a source imports by relative specifier. */
function importsOf(path: string, text: string): string[] {
  return [...text.matchAll(SPECIFIER)].map((m) =>
    relative(ROOT, resolve(ROOT, dirname(path), m[1]))
  );
}

/** Tests and test helpers may cross folders: they wire a client to a server on purpose. */
function isTestSupport(path: string): boolean {
  return path.endsWith("_test.ts") || path.split("/").includes("testing");
}

async function violations(
  folder: string,
  forbidden: string[],
  includeTests: boolean,
): Promise<string[]> {
  const found: string[] = [];
  for await (const path of sources(folder)) {
    if (!includeTests && isTestSupport(path)) continue;
    const text = await Deno.readTextFile(join(ROOT, path));
    for (const target of importsOf(path, text)) {
      if (forbidden.some((f) => target.startsWith(`${f}/`))) found.push(`${path} -> ${target}`);
    }
  }
  return found;
}

Deno.test("layout: core imports neither backends/ nor server/, tests included", async () => {
  assert.deepEqual(await violations("core", ["backends", "server"], true), []);
});

Deno.test("layout: the reference server imports neither core/ nor backends/", async () => {
  assert.deepEqual(await violations("server", ["core", "backends"], true), []);
});

Deno.test("layout: wire/ production code imports nothing of ours outside wire/", async () => {
  const ours = ["core", "backends", "server", "conformance", "scripts", "tests", "plugins"];
  assert.deepEqual(await violations("wire", ours, false), []);
});

Deno.test("layout: no production file of backends/ imports server/", async () => {
  assert.deepEqual(await violations("backends", ["server"], false), []);
});

/** Drops comments, so a sentence about a kind is not mistaken for code naming it. */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
}

Deno.test("layout: core names no built-in service kind in its production code", async () => {
  const kinds = BUILT_IN_BACKENDS.map((d) => d.kind);
  assert.ok(kinds.length >= 4, `built-in kinds: ${kinds}`);
  const found: string[] = [];
  for await (const path of sources("core")) {
    if (isTestSupport(path)) continue;
    const text = code(await Deno.readTextFile(join(ROOT, path)));
    for (const kind of kinds) {
      for (const q of ['"', "'", "`"]) {
        if (text.includes(`${q}${kind}${q}`)) found.push(`${path}: ${q}${kind}${q}`);
      }
    }
  }
  assert.deepEqual(found, []);
});

Deno.test("layout: the rules catch a violation (a server file importing core)", () => {
  const targets = importsOf("server/x.ts", 'import { a } from "../core/errors.ts";');
  assert.deepEqual(targets, ["core/errors.ts"]);
});

/** Every file of ours that may carry comments, with its text. */
async function allSources(): Promise<[string, string][]> {
  const out: [string, string][] = [];
  for (const dir of ["core", "backends", "wire", "server", "conformance", "plugins", "scripts"]) {
    for await (const path of sources(dir)) {
      out.push([path, await Deno.readTextFile(join(ROOT, path))]);
    }
  }
  return out;
}

Deno.test("layout: comments cite documents of this repository, and the sections exist", async () => {
  const outside = /(^|[^/])(protocols|perf_analyzer)\.md|DESIGN\.md|reference §/;
  const docs: Record<string, string> = {};
  for (const name of ["protocols", "perf_analyzer"]) {
    docs[name] = await Deno.readTextFile(join(ROOT, `docs/${name}.md`));
  }
  const problems: string[] = [];
  for (const [path, text] of await allSources()) {
    if (outside.test(text)) problems.push(`${path}: cites a document outside the repository`);
    for (const m of text.matchAll(/docs\/(protocols|perf_analyzer)\.md §([0-9.]+[0-9])/g)) {
      const heading = new RegExp(`^#+ ${m[2].replaceAll(".", "\\.")}\\b`, "m");
      if (!heading.test(docs[m[1]])) problems.push(`${path}: docs/${m[1]}.md has no §${m[2]}`);
    }
  }
  assert.deepEqual(problems, []);
});

/** Static import and re-export statements (not `import type`, not dynamic `import()`). */
const STATIC_IMPORT = /^\s*(?:import|export)\s+(type\s)?(?:[^"';]*?\sfrom\s*)?["']([^"']+)["']/gm;

/**
 * What loading `entry` evaluates before any dynamic import() runs: our files by repository path,
 * and the bare specifiers (npm packages, node: modules) they name.
 */
async function staticClosure(entry: string): Promise<Set<string>> {
  const seen = new Set<string>();
  const queue = [entry];
  for (let path = queue.pop(); path !== undefined; path = queue.pop()) {
    if (seen.has(path)) continue;
    seen.add(path);
    if (!path.endsWith(".ts")) continue;
    const text = await Deno.readTextFile(join(ROOT, path));
    for (const [, typeOnly, specifier] of text.matchAll(STATIC_IMPORT)) {
      if (typeOnly) continue;
      queue.push(
        specifier.startsWith(".")
          ? relative(ROOT, resolve(ROOT, dirname(path), specifier))
          : specifier,
      );
    }
  }
  return seen;
}

Deno.test("layout: the closure reader follows static imports and skips dynamic and type ones", async () => {
  const closure = await staticClosure("core/report/json.ts");
  assert.ok(closure.has("core/measure/results.ts"));
  assert.ok(!closure.has("core/measure/tokens.ts"), "json.ts imports only types from tokens.ts");
  assert.ok((await staticClosure("core/measure/histogram.ts")).has("hdr-histogram-js"));
  assert.ok(!(await staticClosure("backends/triton/descriptor.ts")).has("backends/triton/mod.ts"));
  assert.ok((await staticClosure("backends/triton/grpc.ts")).has("protobufjs"));
});

Deno.test("layout: a Triton HTTP run loads no HTTP/2, gRPC or protobuf code", async () => {
  const closure = [
    ...await staticClosure("backends/triton/mod.ts"),
    ...await staticClosure("backends/triton/http.ts"),
  ];
  assert.ok(closure.includes("wire/http1/connection.ts"));
  assert.deepEqual(closure.filter((p) => /grpc|h2|proto/.test(p)), []);
});

Deno.test("layout: main.ts loads no backend, measurement code or package before a run", async () => {
  // --help and --version end before any dynamic import: this is all they load.
  const closure = [...await staticClosure("main.ts")];
  const light = /^backends\/(mod|[a-z_]+\/(descriptor|options))\.ts$/;
  assert.deepEqual(closure.filter((p) => p.startsWith("backends/") && !light.test(p)), []);
  // Bare specifiers (npm packages, node: modules) are the entries that are not our .ts files.
  assert.deepEqual(closure.filter((p) => !p.endsWith(".ts")), []);
  for (const heavy of ["core/run.ts", "core/measure/histogram.ts", "core/load/dispatcher.ts"]) {
    assert.ok(!closure.includes(heavy), heavy);
  }
  assert.ok(closure.includes("backends/triton/descriptor.ts"));
});
