/**
 * core/plugin_api.ts is the contract as plugin authors see it, in a file of its own: checked
 * here against what core takes and gives, at compile time (`deno check`, and `deno test`,
 * which type-checks this file), and at run time with a plugin that sits beside a copy of it.
 */
import assert from "node:assert/strict";
import type * as Api from "./plugin_api.ts";
import type {
  Backend,
  BackendDescriptor,
  BackendOptions,
  ConnectOptions,
  ModelInfo,
  ModelStats,
  RequestSpec,
  RunSettings,
} from "./backend.ts";
import type { RequestRecord } from "./measure/record.ts";
import type { DataType } from "../wire/kserve/datatypes.ts";
import { isRunError, isUsageError, RunError, UsageError } from "./errors.ts";
import { loadBackend } from "./registry.ts";
import { TEST_KINDS } from "./testing/kinds.ts";
import { backendOptions } from "./testing/backend_options.ts";

/** Compiles only when `From` can be used where `To` is expected. */
type Fits<From extends To, To> = From;

/**
 * What a plugin gives core (its descriptor, backend, model info, statistics) is what core
 * takes, and what core gives a plugin (options, requests, records, settings) is what the API
 * file promises. A change to core/backend.ts that breaks a v2 plugin fails to compile here.
 */
export type ContractFits = [
  Fits<Api.BackendDescriptor<{ path: string }>, BackendDescriptor<{ path: string }>>,
  Fits<Api.Backend, Backend>,
  Fits<Api.ModelInfo, ModelInfo>,
  Fits<Api.ModelStats, ModelStats>,
  Fits<BackendOptions<{ path: string }>, Api.BackendOptions<{ path: string }>>,
  Fits<RequestSpec, Api.RequestSpec>,
  Fits<RequestRecord, Api.RequestRecord>,
  Fits<RunSettings, Api.RunSettings>,
  Fits<ConnectOptions, Api.ConnectOptions>,
  Fits<DataType, Api.DataType>,
  Fits<Api.DataType, DataType>,
];

/** A plugin that only type-imports the API file beside it, as an author writes one. */
const PLUGIN = `import type { BackendDescriptor, PluginApi } from "./plugin_api.ts";

export default function plugin(api: PluginApi): BackendDescriptor<{ level: number }> {
  return {
    contractVersion: 2, kind: "beside", title: "Beside", protocols: ["http"],
    defaultUrl: { http: "localhost:7777" },
    capabilities: { headers: false, streaming: [], compression: false, requestTimeout: false,
      outputCapture: false },
    help: { protocols: "", serverStats: "no", modes: "concurrency" },
    flags: [{ long: "beside-level", value: "<n>", def: "1", help: "How deep.",
      apply(own, v) {
        own.level = api.parseIntegerWhere("--beside-level", v, (n) => n > 0, "The value must be > 0.");
      } }],
    defaults: () => ({ level: 1 }),
    create: (options) => ({
      kind: "beside",
      describe: (model) => Promise.reject(new api.RunError(\`beside: no \${model} at \${options.url}\`)),
      prepare: () => 0,
      connect: () => Promise.reject(new api.RunError("beside: no channels")),
      close: () => Promise.resolve(),
    }),
  };
}
`;

async function withPluginDir(
  files: Record<string, string>,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pa_plugin_api_" });
  try {
    for (const [name, text] of Object.entries(files)) {
      await Deno.writeTextFile(`${dir}/${name}`, text);
    }
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a plugin function beside a copy of plugin_api.ts gets the tool's own error classes", async () => {
  const api = await Deno.readTextFile(new URL("plugin_api.ts", import.meta.url));
  assert.doesNotMatch(api, /^\s*(import|export .* from)\b/m, "the API file imports nothing");
  await withPluginDir({ "plugin_api.ts": api, "beside.ts": PLUGIN }, async (dir) => {
    const d = await loadBackend("plugin:beside.ts", TEST_KINDS, dir);
    assert.equal(d.kind, "beside");
    const own = d.defaults!() as { level: number };
    d.flags![0].apply(own, "3");
    assert.deepEqual(own, { level: 3 });
    assert.throws(() => d.flags![0].apply(own, "0"), (e: Error) => {
      assert.ok(e instanceof UsageError, String(e));
      assert.equal(e.message, 'Failed to parse --beside-level. The value must be > 0. Got "0".');
      return true;
    });
    const backend = await d.create(backendOptions({ url: "127.0.0.1:9", own }));
    await assert.rejects(backend.describe("m", ""), (e: Error) => {
      // The tool's class itself, not a look-alike: instanceof holds, as does the brand.
      assert.ok(e instanceof RunError && isRunError(e), String(e));
      assert.equal(e.message, "beside: no m at 127.0.0.1:9");
      return true;
    });
  });
});

Deno.test("a plugin function that throws is a RunError naming the module", async () => {
  const cases: [string, (e: unknown) => boolean, RegExp][] = [
    [
      'export default () => { throw new TypeError("half-written"); };',
      isRunError,
      /^backend module file:\/\/\S+\/throws\.ts: its plugin function threw: TypeError: half-written$/,
    ],
    // The tool's own errors pass through as they are.
    [
      'export default (api) => { throw new api.UsageError("needs MY_TOKEN set"); };',
      isUsageError,
      /^needs MY_TOKEN set$/,
    ],
    [
      "export default () => 42;",
      isRunError,
      /must default-export a plugin function \(api\) => BackendDescriptor/,
    ],
  ];
  for (const [source, is, message] of cases) {
    await withPluginDir({ "throws.ts": source }, async (dir) => {
      await assert.rejects(loadBackend("plugin:throws.ts", TEST_KINDS, dir), (e: Error) => {
        assert.ok(is(e), String(e));
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
