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
