/**
 * The example plugin's own flag through the CLI, as a user types it: the plugin is loaded before
 * the command line is parsed, so `--example-path` parses, is checked and shows in --help like a
 * built-in kind's flag, and the reference server counts what the flag sent where.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer, withTempDir } from "../../tests/cli_harness.ts";

const MODULE = new URL("backend.ts", import.meta.url);
const PLUGIN = `plugin:${MODULE.pathname}`;

Deno.test("--example-path reaches the wire: version 1 is served, version 2 is refused", async () => {
  await withServer({}, async (server) => {
    // Spelled as users may: --name=value and unambiguous prefixes, the flag before the kind.
    const one = await runCli([
      ...["-m", "simple", "-u", server.url, "--request-count", "12"],
      ...["--example-p=/predictions/{model}/1", `--service-k=${PLUGIN}`],
    ]);
    assert.equal(one.code, 0, one.stdout + one.stderr);
    assert.equal(numberAfter(one.stdout, "    Request count: "), 12);
    assert.equal((await server.groundTruth("simple")).successCount, 12);

    const two = await runCli([
      ...["-m", "simple", "-u", server.url, "--request-count", "6"],
      ...["--service-kind", PLUGIN, "--example-path", "/predictions/{model}/2"],
    ]);
    assert.equal(two.code, 3, two.stdout + two.stderr);
    assert.match(two.stderr, /All 6 requests that ended in it failed; most often \(6×\): HTTP 404/);
    assert.match(two.stderr, /Model version: 2 does not exist for model: simple/);
    assert.equal((await server.groundTruth("simple")).successCount, 12, "none of them served");
  });
});

Deno.test("--help with the plugin lists its flag under its own heading; without it, not", async () => {
  const r = await runCli(["--service-kind", PLUGIN, "--help"]);
  assert.equal(r.code, 0, r.stderr);
  const flat = r.stdout.replace(/\s+/g, " ");
  assert.ok(
    flat.includes(
      `Options of --service-kind ${PLUGIN}: --example-path <path> Inference request path; ` +
        "{model} is replaced by the model name (e.g. /predictions/{model}/1 asks for version 1). " +
        "[default: /predictions/{model}]",
    ),
    r.stdout,
  );
  assert.ok(flat.includes(` ${PLUGIN} Protocols: http (-u localhost:8000); JSON over fetch.`));
  const plain = await runCli(["--help"]);
  assert.ok(!plain.stdout.includes("--example-path"));
});

Deno.test("--example-path is checked before anything is sent, and only with the plugin", async () => {
  const bad = await runCli(["-m", "simple", "--service-kind", PLUGIN, "--example-path", "x"]);
  assert.equal(bad.code, 99);
  assert.equal(
    bad.stderr,
    "Error: Failed to parse --example-path. The path must start with / and contain {model}. " +
      'Got "x".\n',
  );
  const without = await runCli(["-m", "simple", "--example-path", "/p/{model}"]);
  assert.equal(without.code, 99);
  assert.equal(without.stderr, "Error: Invalid long option '--example-path'\n");
});

Deno.test("a plugin that does not load is an error naming the module and why", async () => {
  const missing = await runCli(["-m", "simple", "--service-kind", "plugin:./no_such_plugin.ts"]);
  assert.equal(missing.code, 99);
  assert.match(
    missing.stderr,
    /^error: cannot load backend module \.\/no_such_plugin\.ts \(file:\/\/\/\S+\/no_such_plugin\.ts\): Module not found/,
  );
  const v1 = new URL("../../core/testing/plugin_v1.ts", import.meta.url).href;
  const old = await runCli(["-m", "simple", "--service-kind", `plugin:${v1}`, "--help"]);
  assert.equal(old.code, 99);
  assert.match(
    old.stderr,
    /^error: backend module \S+plugin_v1\.ts implements backend contract version 1, but this tool implements version 2 \(a v1 BackendFactory: default-export a plugin function typed with core\/plugin_api\.ts/,
  );
});

Deno.test("a plugin flag that takes a core or built-in name is refused, naming both", async () => {
  await withTempDir("pa_plugin_clash_", async (dir) => {
    const cases: [string, string][] = [
      ['long: "example-url", short: "u"', "-u is declared twice (by core, "],
      [
        'long: "torchserve-body"',
        "--torchserve-body is declared twice (by --service-kind torchserve, ",
      ],
    ];
    for (const [i, [names, want]] of cases.entries()) {
      const path = `${dir}/clash${i}.ts`;
      await Deno.writeTextFile(
        path,
        `import plugin from "${MODULE.href}";
export default (api) => { const example = plugin(api);
  return { ...example, flags: [...example.flags, { ${names}, def: "", help: "", apply() {} }] }; };`,
      );
      const r = await runCli(["-m", "simple", "--service-kind", `plugin:${path}`]);
      assert.equal(r.code, 99);
      assert.equal(
        r.stderr,
        `error: backend module ${path} cannot add its flags: ${want}by --service-kind ` +
          `plugin:${path})\n`,
      );
    }
  });
});
