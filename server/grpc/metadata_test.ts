import assert from "node:assert/strict";
import { status } from "@grpc/grpc-js";
import { connect } from "./testing/client.ts";
import { MODELS } from "../models/mod.ts";
import { startServer } from "../server.ts";

/** Asserts a rejected call carries this status code and exact message. */
async function rejectsWith(call: Promise<unknown>, code: number, details: string): Promise<void> {
  await assert.rejects(call, (e: { code: number; details: string }) => {
    assert.equal(e.code, code, e.details);
    assert.equal(e.details, details);
    return true;
  });
}

Deno.test("gRPC: health, metadata and config answer as HTTP does", async () => {
  const server = await startServer({ grpcPort: 0, instances: 2 });
  const client = connect(server.grpcUrl!);
  try {
    assert.equal(server.grpcUrl, `127.0.0.1:${server.grpcPort}`);
    assert.notEqual(server.grpcPort, server.httpPort);
    assert.deepEqual(await client.call("ServerLive", {}), { live: true });
    assert.deepEqual(await client.call("ServerReady", {}), { ready: true });
    assert.deepEqual(await client.call("ModelReady", { name: "simple" }), { ready: true });
    assert.deepEqual(await client.call("ModelReady", { name: "simple", version: "2" }), {
      ready: false,
    });
    assert.deepEqual(await client.call("ModelReady", { name: "nope" }), { ready: false });
    assert.deepEqual(await client.health(""), { status: "SERVING" });
    assert.deepEqual(await client.health("inference.GRPCInferenceService"), { status: "SERVING" });
    await rejectsWith(client.health("other"), status.NOT_FOUND, "unknown service other");

    const http = await (await fetch(`http://${server.url}/v2`)).json();
    assert.deepEqual(await client.call("ServerMetadata", {}), http);
    for (const model of MODELS.map((m) => m.name)) {
      const httpMeta = await (await fetch(`http://${server.url}/v2/models/${model}`)).json();
      assert.deepEqual(await client.call("ModelMetadata", { name: model }), httpMeta);
    }
    const meta = await client.call("ModelMetadata", { name: "simple", version: "1" });
    assert.deepEqual(meta.inputs, [
      { name: "INPUT0", datatype: "INT32", shape: [-1, 16] },
      { name: "INPUT1", datatype: "INT32", shape: [-1, 16] },
    ]);

    const { config } = await client.call<{ config: Record<string, unknown> }>("ModelConfig", {
      name: "simple",
    });
    const httpConfig = await (await fetch(`http://${server.url}/v2/models/simple/config`)).json();
    // Proto decoding fills every field; what HTTP prints must all be there with equal values.
    for (const [key, value] of Object.entries(httpConfig)) {
      assert.deepEqual(pick(config[key], value), value, key);
    }
    assert.equal(config.max_batch_size, 8);
    assert.equal((config.instance_group as { count: number }[])[0].count, 2);
    assert.equal(config.scheduling_choice, undefined);
  } finally {
    client.close();
    await server.close();
  }
});

/** `actual` restricted to the keys `shape` has, recursively (proto defaults add keys). */
function pick(actual: unknown, shape: unknown): unknown {
  if (Array.isArray(shape) && Array.isArray(actual)) return actual.map((a, i) => pick(a, shape[i]));
  if (typeof shape !== "object" || shape === null || typeof actual !== "object") return actual;
  if (actual === null) return null;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(shape)) {
    out[key] = pick(
      (actual as Record<string, unknown>)[key],
      (shape as Record<string, unknown>)[key],
    );
  }
  return out;
}

Deno.test("gRPC: decoupled config, unknown models and bad versions map to status codes", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const { config } = await client.call<{ config: Record<string, unknown> }>("ModelConfig", {
      name: "repeat_int32",
    });
    assert.deepEqual(config.model_transaction_policy, { decoupled: true });
    assert.equal(config.max_batch_size, 0);
    const inputs = config.input as { name: string; data_type: string; optional: boolean }[];
    assert.deepEqual(inputs.map((i) => [i.name, i.data_type, i.optional]), [
      ["IN", "TYPE_INT32", false],
      ["DELAY", "TYPE_UINT32", true],
      ["WAIT", "TYPE_UINT32", true],
    ]);
    const unknown = "Request for unknown model: 'nope' is not found";
    await rejectsWith(client.call("ModelMetadata", { name: "nope" }), status.NOT_FOUND, unknown);
    await rejectsWith(client.call("ModelConfig", { name: "nope" }), status.NOT_FOUND, unknown);
    await rejectsWith(
      client.call("ModelMetadata", { name: "simple", version: "3" }),
      status.NOT_FOUND,
      "Request for unknown model: 'simple' version 3 is not found",
    );
    await rejectsWith(
      client.call("ModelConfig", { name: "simple", version: "x1" }),
      status.INVALID_ARGUMENT,
      "failed to get model version from specified version string 'x1', version should be an " +
        "integral value > 0",
    );
    await rejectsWith(
      client.call("ModelStatistics", { name: "nope" }),
      status.INVALID_ARGUMENT,
      "requested model 'nope' is not available",
    );
    // The index lists every model, each ready at its one version.
    const index = await client.call<{ models: { name: string; version: string; state: string }[] }>(
      "RepositoryIndex",
      {},
    );
    assert.deepEqual(
      index.models.map((m) => [m.name, m.version, m.state]),
      MODELS.map((m) => [m.name, "1", "READY"]),
    );
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC: noConfig and noStats leave those RPCs unimplemented, like KServe", async () => {
  const server = await startServer({ grpcPort: 0, noConfig: true, noStats: true });
  const client = connect(server.grpcUrl!);
  try {
    const path = "/inference.GRPCInferenceService";
    await rejectsWith(
      client.call("ModelConfig", { name: "simple" }),
      status.UNIMPLEMENTED,
      `The server does not implement the method ${path}/ModelConfig`,
    );
    await rejectsWith(
      client.call("ModelStatistics", { name: "simple" }),
      status.UNIMPLEMENTED,
      `The server does not implement the method ${path}/ModelStatistics`,
    );
    await rejectsWith(
      client.call("RepositoryIndex", {}),
      status.UNIMPLEMENTED,
      `The server does not implement the method ${path}/RepositoryIndex`,
    );
    const meta = await client.call<{ extensions: string[] }>("ServerMetadata", {});
    assert.deepEqual(meta.extensions, [
      "sequence",
      "system_shared_memory",
      "binary_tensor_data",
      "parameters",
      "trace",
    ]);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC: no listener unless asked", async () => {
  const server = await startServer();
  try {
    assert.equal(server.grpcPort, undefined);
    assert.equal(server.grpcUrl, undefined);
  } finally {
    await server.close();
  }
});

Deno.test("gRPC TraceSetting: empty reads, named values set, an empty list clears", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  type Settings = { settings: Record<string, { value: string[] }> };
  const flat = (r: Settings) =>
    Object.fromEntries(Object.entries(r.settings).map(([k, v]) => [k, v.value]));
  try {
    const read = await client.call<Settings>("TraceSetting", { model_name: "simple" });
    assert.deepEqual(flat(read), {
      trace_file: [""],
      trace_level: ["OFF"],
      trace_rate: ["1000"],
      trace_count: ["-1"],
      log_frequency: ["0"],
    });
    const set = await client.call<Settings>("TraceSetting", {
      model_name: "simple",
      settings: {
        trace_level: { value: ["TIMESTAMPS", "TENSORS"] },
        trace_count: { value: ["5"] },
      },
    });
    assert.deepEqual(flat(set).trace_level, ["TIMESTAMPS", "TENSORS"]);
    assert.deepEqual(server.traceSettings("simple").trace_count, "5");
    const cleared = await client.call<Settings>("TraceSetting", {
      model_name: "simple",
      settings: { trace_count: { value: [] } },
    });
    assert.deepEqual(flat(cleared).trace_count, ["-1"]);
    assert.deepEqual(server.traceUpdates(), [
      { model: "simple", settings: { trace_level: ["TIMESTAMPS", "TENSORS"], trace_count: ["5"] } },
      { model: "simple", settings: { trace_count: null } },
    ]);
    await rejectsWith(
      client.call("TraceSetting", { model_name: "", settings: { trace_rate: { value: ["x"] } } }),
      status.INVALID_ARGUMENT,
      "trace setting 'trace_rate' must be an integer >= 0",
    );
    await rejectsWith(
      client.call("TraceSetting", { model_name: "nope" }),
      status.NOT_FOUND,
      "Request for unknown model: 'nope' is not found",
    );
  } finally {
    client.close();
    await server.close();
  }
});
