import { deepStrictEqual as assertEquals, ok as assert, rejects } from "node:assert/strict";
import { readCommandLine, selectedPlugin } from "./command_line.ts";
import type { RunConfig } from "./config.ts";
import { isRunError, isUsageError } from "../errors.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

const PLUGIN_API = new URL("../plugin.ts", import.meta.url).href;

/**
 * A plugin module with one flag (`--level <n>`, `-L`), its own default URL and a rule that needs
 * the whole command line; `extra` adds flag declarations (as JS source) to clash with.
 */
function pluginSource(extra = ""): string {
  return `import { UsageError } from "${PLUGIN_API}";
export default {
  contractVersion: 2, kind: "levels", title: "Levels", protocols: ["http", "grpc"],
  defaultUrl: { http: "localhost:7777" },
  capabilities: { headers: true, streaming: [], compression: false, requestTimeout: false,
    outputCapture: false },
  help: { protocols: "", serverStats: "no", modes: "concurrency" },
  flags: [{ long: "level", short: "L", value: "<n>", def: "1", help: "How deep to go.",
    apply(own, v) { own.level = Number(v); } }${extra}],
  defaults: () => ({ level: 1 }),
  validate(own, run) {
    if (own.level > 3 && run.protocol !== "grpc") {
      throw new UsageError("--level above 3 needs -i grpc.");
    }
  },
  create() { throw new Error("not run here"); },
};`;
}

/** Runs `fn` with `source` written to a fresh module; its `plugin:` value is passed. */
async function withPlugin(source: string, fn: (kind: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pa_cli_plugin_" });
  try {
    await Deno.writeTextFile(`${dir}/levels.js`, source);
    await fn(`plugin:${dir}/levels.js`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function configOf(args: string[]): Promise<RunConfig> {
  const r = await readCommandLine(["-m", "s", ...args], TEST_KINDS, Deno.cwd());
  if (r.action !== "run") throw new Error(`expected a run, got ${r.action}`);
  return r.config;
}

/** The message of the error readCommandLine rejects with, checked with `is`. */
async function errorOf(args: string[], is: (e: unknown) => boolean): Promise<string> {
  let message = "";
  await rejects(readCommandLine(["-m", "s", ...args], TEST_KINDS, Deno.cwd()), (e: Error) => {
    assert(is(e), String(e));
    message = e.message;
    return true;
  });
  return message;
}

Deno.test("the plugin argv selects is found however --service-kind is spelled", () => {
  const p = "plugin:a.ts";
  const cases: [string[], string | undefined][] = [
    [["--service-kind", p], p],
    [[`--service-kind=${p}`], p],
    [["--service-k", p], p],
    [["--serv=" + p], p],
    // The last --service-kind wins, as in the parse.
    [["--service-kind", p, "--service-kind", "kserve"], undefined],
    [["--service-kind", "kserve", "--service-kind", p], p],
    // Options the table does not know yet (the plugin's own) and their values are stepped over.
    [["--level", "4", "-QL", "--service-kind", p, "--level=2"], p],
    // A value of a known option is not an option, and nothing after --help or -- is read.
    [["-H", "--service-kind", "-m", "s"], undefined],
    [["-h", "--service-kind", p], undefined],
    [["--", "--service-kind", p], undefined],
    // An empty module name is left to the parse, which says so.
    [["--service-kind", "plugin:"], undefined],
    [["-m", "s"], undefined],
  ];
  for (const [argv, want] of cases) {
    assertEquals(selectedPlugin(argv, TEST_KINDS), want, argv.join(" "));
  }
});

Deno.test("a plugin's flags parse like a built-in's, anywhere on the line, long, short or prefixed", async () => {
  await withPlugin(pluginSource(), async (kind) => {
    const after = await configOf(["--service-kind", kind, "--level", "3"]);
    assertEquals([after.serviceKind, after.own], [kind, { level: 3 }]);
    assertEquals((await configOf(["--lev=2", `--service-kind=${kind}`])).own, { level: 2 });
    assertEquals((await configOf(["-vL2", "--service-kind", kind])).own, { level: 2 });
    // No flag given: the plugin's defaults, and its descriptor travels to the run.
    const plain = await configOf(["--service-kind", kind]);
    assertEquals(plain.own, { level: 1 });
    assertEquals(plain.plugin?.kind, "levels");
  });
});

Deno.test("a plugin's default URL and rules apply at parse time", async () => {
  await withPlugin(pluginSource(), async (kind) => {
    assertEquals((await configOf(["--service-kind", kind])).url, "localhost:7777");
    // No default for gRPC: the run asks for -u then, as for a built-in kind.
    assertEquals((await configOf(["--service-kind", kind, "-i", "grpc"])).url, "");
    assertEquals((await configOf(["--service-kind", kind, "-u", "h:1"])).url, "h:1");
    assertEquals(
      await errorOf(["--service-kind", kind, "--level", "5"], isUsageError),
      "--level above 3 needs -i grpc.",
    );
    assertEquals((await configOf(["--service-kind", kind, "-L5", "-i", "grpc"])).own, { level: 5 });
    // Declared capabilities are checked with the parse too.
    assertEquals(
      await errorOf(["--service-kind", kind, "--request-timeout", "5"], isUsageError),
      `--request-timeout is not supported with --service-kind ${kind}.`,
    );
  });
});

Deno.test("a plugin's flag means nothing without it, and a built-in's nothing with it", async () => {
  await withPlugin(pluginSource(), async (kind) => {
    assertEquals(await errorOf(["--level", "2"], isUsageError), "Invalid long option '--level'");
    assertEquals(
      await errorOf(["--service-kind", kind, "--kserve-level", "2"], isUsageError),
      `--kserve-level is only used with --service-kind kserve (got --service-kind ${kind}); ` +
        "drop it.",
    );
  });
});

Deno.test("--help after a plugin lists its row and its flags under its own heading", async () => {
  await withPlugin(pluginSource(), async (kind) => {
    const r = await readCommandLine(["--service-kind", kind, "--help"], TEST_KINDS, Deno.cwd());
    assert(r.action === "help");
    const flat = r.text.replace(/\s+/g, " ");
    assert(flat.includes(` ${kind} Protocols: http (-u localhost:7777), grpc (-u required).`));
    assert(
      flat.includes(
        `Options of --service-kind ${kind}: -L, --level <n> How deep to go. [default: 1]`,
      ),
      flat,
    );
    // The built-ins' sections stay, in their place.
    assert(flat.includes("Options of --service-kind kserve: --kserve-level <n>"));
    const plain = await readCommandLine(["--help"], TEST_KINDS, Deno.cwd());
    assert(plain.action === "help" && !plain.text.includes("--level"));
  });
});

Deno.test("a plugin flag that takes a core or built-in name is refused, naming both", async () => {
  const flag = (names: string) => `, { ${names}, def: "", help: "", apply() {} }`;
  const cases: [string, string][] = [
    ['long: "percentile", value: "<p>"', "--percentile is declared twice (by core, "],
    ['long: "mine", short: "m", value: "<m>"', "-m is declared twice (by core, "],
    ['long: "kserve-level"', "--kserve-level is declared twice (by --service-kind kserve, "],
    ['long: "deep", short: "L"', "-L is declared twice (by --service-kind plugin:"],
  ];
  for (const [names, want] of cases) {
    await withPlugin(pluginSource(flag(names)), async (kind) => {
      const path = kind.slice("plugin:".length);
      const message = await errorOf(["--service-kind", kind], isRunError);
      assert(message.startsWith(`backend module ${path} cannot add its flags: ${want}`), message);
      assert(message.endsWith(`by --service-kind ${kind})`), message);
    });
  }
});

Deno.test("a plugin that cannot be loaded is an error naming it and why, before the parse", async () => {
  const message = await errorOf(
    ["--service-kind", "plugin:./no_such_plugin.ts", "-b", "0"],
    isRunError,
  );
  assert(
    /^cannot load backend module \.\/no_such_plugin\.ts \(file:\/\/\/.*\/no_such_plugin\.ts\): Module not found/
      .test(message),
    message,
  );
});
