/**
 * --trace-level, --trace-rate, --trace-count, --log-frequency end to end: over HTTP and gRPC the
 * reference server holds the given settings for the model while the load runs, and the earlier
 * ones again once the run has ended, whether it succeeded, failed or was interrupted; its update
 * history shows exactly one update and one restore. Bad values and other kinds are usage
 * errors, and the server's trace endpoints answer in Triton's shape and refuse bad settings.
 */
import assert from "node:assert/strict";
import { runCli, usageError } from "./cli_harness.ts";
import { parseCommandLine } from "../core/cli/command_line.ts";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";
import { type ReferenceServer, startServer } from "../server/mod.ts";
import type { TritonOptions } from "../backends/triton/options.ts";

const TRACE_FLAGS = [
  "--trace-level",
  "TIMESTAMPS",
  "--trace-rate",
  "10",
  "--trace-count",
  "100",
  "--log-frequency",
  "50",
];

/** What the flags above ask for, as the server stores an update. */
const WANTED = {
  trace_level: ["TIMESTAMPS"],
  trace_rate: ["10"],
  trace_count: ["100"],
  log_frequency: ["50"],
};

const DEFAULTS = {
  trace_file: "",
  trace_level: ["OFF"],
  trace_rate: "1000",
  trace_count: "-1",
  log_frequency: "0",
};

async function withPlainServer(fn: (server: ReferenceServer) => Promise<void>): Promise<void> {
  const server = await startServer({ grpcPort: 0, computeUs: 2000 });
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

async function post(server: ReferenceServer, path: string, body: unknown) {
  const r = await fetch(`http://${server.url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
  });
  return { status: r.status, json: await r.json() };
}

/** Gives the model a setting of its own before the run, so restoring is more than defaults. */
async function presetRate(server: ReferenceServer): Promise<void> {
  const r = await post(server, "/v2/models/simple/trace/setting", { trace_rate: "7" });
  assert.equal(r.status, 200);
}

const BEFORE = { ...DEFAULTS, trace_rate: "7" };
const RESTORE = {
  trace_level: ["OFF"],
  trace_rate: ["7"],
  trace_count: ["-1"],
  log_frequency: ["0"],
};

/** The model's updates after the preset: the run's and the restore. */
function runUpdates(server: ReferenceServer) {
  return server.traceUpdates().filter((u) => u.model === "simple").slice(1);
}

/** Waits (bounded) until the server has answered a request of the model. */
async function firstRequest(server: ReferenceServer): Promise<void> {
  for (let i = 0; i < 500 && server.groundTruth("simple").successCount === 0; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(server.groundTruth("simple").successCount > 0, "the run sent no request");
}

for (const protocol of ["http", "grpc"] as const) {
  Deno.test(`trace settings over ${protocol}: set during the run, restored afterwards`, async () => {
    await withPlainServer(async (server) => {
      await presetRate(server);
      const url = protocol === "grpc" ? server.grpcUrl! : server.url;
      const running = runCli([
        "-m",
        "simple",
        "-i",
        protocol,
        "-u",
        url,
        "--request-count",
        "150",
        ...TRACE_FLAGS,
      ]);
      await firstRequest(server);
      assert.deepEqual(server.traceSettings("simple"), {
        ...DEFAULTS,
        trace_level: ["TIMESTAMPS"],
        trace_rate: "10",
        trace_count: "100",
        log_frequency: "50",
      });
      const r = await running;
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(server.traceSettings("simple"), BEFORE);
      assert.deepEqual(server.traceSettings(), DEFAULTS, "the global settings were not touched");
      assert.deepEqual(runUpdates(server), [
        { model: "simple", settings: WANTED },
        { model: "simple", settings: RESTORE },
      ]);
    });
  });
}

Deno.test("trace settings: only the given ones change, and a failed run restores them", async () => {
  await withPlainServer(async (server) => {
    await presetRate(server);
    // The input file is read after the model is described: the run fails with settings applied.
    const r = await runCli([
      "-m",
      "simple",
      "-u",
      server.url,
      "--trace-rate",
      "3",
      "--input-data",
      "/nonexistent/trace_input.json",
    ]);
    assert.equal(r.code, 99);
    assert.deepEqual(runUpdates(server), [
      { model: "simple", settings: { trace_rate: ["3"] } },
      { model: "simple", settings: { trace_rate: ["7"] } },
    ]);
    assert.deepEqual(server.traceSettings("simple"), BEFORE);
  });
});

Deno.test("trace settings: an interrupted run (Ctrl-C) restores them", async () => {
  await withPlainServer(async (server) => {
    await presetRate(server);
    const stop = new AbortController();
    const running = runCli(
      ["-m", "simple", "-i", "grpc", "-u", server.grpcUrl!, "-p", "60000", ...TRACE_FLAGS],
      stop.signal,
    );
    await firstRequest(server);
    assert.deepEqual(server.traceSettings("simple").trace_level, ["TIMESTAMPS"]);
    stop.abort();
    await running;
    assert.deepEqual(server.traceSettings("simple"), BEFORE);
    assert.equal(runUpdates(server).length, 2);
  });
});

Deno.test("trace settings: a model the server does not serve fails before any change", async () => {
  await withPlainServer(async (server) => {
    const r = await runCli(["-m", "nosuch", "-u", server.url, "--trace-level", "OFF"]);
    assert.equal(r.code, 99);
    assert.match(r.stderr, /unknown model: 'nosuch'/);
    assert.deepEqual(server.traceUpdates(), []);
  });
});

Deno.test("trace flags: perf_analyzer's value rules, last value wins, triton only", () => {
  const base = ["-m", "simple"];
  assert.equal(
    usageError([...base, "--trace-level", "FULL"]),
    'Failed to parse --trace-level. The value must be "OFF" or "TIMESTAMPS" or "TENSORS". ' +
      'Got "FULL".',
  );
  assert.equal(
    usageError([...base, "--trace-count", "-2"]),
    'Failed to parse --trace-count. The value must be >= 0 or set to -1 (default). Got "-2".',
  );
  assert.equal(
    usageError([...base, "--log-frequency", "-1"]),
    'Failed to parse --log-frequency. The value must be >= 0. Got "-1".',
  );
  assert.equal(
    usageError([...base, "--trace-rate", "often"]),
    'Failed to parse --trace-rate. The value must be an integer. Got "often".',
  );
  assert.equal(
    usageError(["--service-kind", "torchserve", ...base, "--trace-rate", "5"]),
    "--trace-rate is only used with --service-kind triton (got --service-kind torchserve); " +
      "drop it.",
  );
  const r = parseCommandLine(
    [...base, "--trace-level", "TENSORS", "--trace-level", "OFF", "--trace-count", "-1"],
    BUILT_IN_BACKENDS,
  );
  assert.equal(r.action, "run");
  if (r.action !== "run") return;
  assert.deepEqual((r.config.own as TritonOptions).trace, {
    trace_level: "OFF",
    trace_count: "-1",
  });
});

Deno.test("reference server trace endpoints: Triton's shape, overrides, clears and refusals", async () => {
  await withPlainServer(async (server) => {
    const global = await fetch(`http://${server.url}/v2/trace/setting`);
    assert.deepEqual(await global.json(), DEFAULTS);
    let r = await post(server, "/v2/trace/setting", { trace_rate: "50" });
    assert.deepEqual(r, { status: 200, json: { ...DEFAULTS, trace_rate: "50" } });
    // A model without an override follows the global settings.
    assert.equal(server.traceSettings("simple").trace_rate, "50");
    r = await post(server, "/v2/models/simple/trace/setting", {
      trace_level: ["TIMESTAMPS", "TENSORS"],
      trace_rate: "2",
    });
    assert.deepEqual(r.json.trace_level, ["TIMESTAMPS", "TENSORS"]);
    assert.equal(r.json.trace_rate, "2");
    r = await post(server, "/v2/models/simple/trace/setting", { trace_rate: null });
    assert.equal(r.json.trace_rate, "50", "null clears the override");
    const refused: [string, unknown, number, string][] = [
      ["/v2/models/simple/trace/setting", { trace_rate: "-1" }, 400, "must be an integer >= 0"],
      ["/v2/models/simple/trace/setting", { trace_count: "-2" }, 400, "or -1 for no limit"],
      ["/v2/models/simple/trace/setting", { trace_level: ["ALL"] }, 400, "one or more of OFF"],
      ["/v2/models/simple/trace/setting", { trace_level: "OFF" }, 400, "a list of strings"],
      ["/v2/models/simple/trace/setting", { trace_rate: 5 }, 400, "expected a string"],
      ["/v2/models/simple/trace/setting", { sample: "1" }, 400, "unknown trace setting 'sample'"],
      ["/v2/models/nosuch/trace/setting", { trace_rate: "1" }, 404, "unknown model: 'nosuch'"],
      ["/v2/models/simple/versions/1/trace/setting", {}, 400, "cannot name a model version"],
    ];
    for (const [path, body, status, text] of refused) {
      const res = await post(server, path, body);
      assert.equal(res.status, status, path + JSON.stringify(body));
      assert.ok(res.json.error.includes(text), res.json.error);
    }
    // Refused updates change nothing and are not in the history.
    assert.equal(server.traceUpdates().length, 3);
    assert.deepEqual(server.traceSettings("simple"), {
      ...DEFAULTS,
      trace_level: ["TIMESTAMPS", "TENSORS"],
      trace_rate: "50",
    });
  });
});
