/**
 * One conformance suite for every Triton backend: the same cases, run against the embedded
 * reference server, whatever the protocol. A backend test file calls {@link conformanceSuite}
 * with a function that points a new backend at the server. Cases only use what the Backend
 * contract exposes (describe, prepare, channels, statistics) plus the server's ground truth.
 */
import assert from "node:assert/strict";
import { hasServerStats, type RequestSpec } from "../core/backend.ts";
import { RunError } from "../core/errors.ts";
import type { ServerOptions } from "../server/mod.ts";
import {
  assertOk,
  type ConformanceOptions,
  type Fixture,
  type MakeBackend,
  sendOnce,
  simpleSpec,
  spec,
  tensor,
  withFixture,
} from "./fixture.ts";
import { streamingCases } from "./streaming.ts";
import { NO_CONFIG_NOTE, NO_STATS_NOTE } from "../backends/shared/model_info.ts";

export type {
  BackendVariant,
  ConformanceOptions,
  ConformanceServer,
  MakeBackend,
} from "./fixture.ts";

/** Registers the suite's Deno.test cases, each named "<name> conformance: <case>". */
export function conformanceSuite(name: string, make: MakeBackend, opts: ConformanceOptions): void {
  const test = (title: string, fn: () => Promise<void>) =>
    Deno.test(`${name} conformance: ${title}`, fn);
  const run = (body: (f: Fixture) => Promise<void>, extra: ServerOptions = {}) =>
    withFixture(make, opts, { ...extra, streaming: false }, body);

  test("describe normalizes the simple model", () =>
    run(async ({ backend }) => {
      const info = await backend.describe("simple", "");
      assert.equal(info.name, "simple");
      assert.equal(info.maxBatchSize, 8);
      assert.equal(info.responses, "one");
      assert.deepEqual(info.inputs.map((t) => [t.name, t.datatype, t.shape]), [
        ["INPUT0", "INT32", [16]],
        ["INPUT1", "INT32", [16]],
      ]);
      assert.deepEqual(info.outputs.map((t) => t.name), ["OUTPUT0", "OUTPUT1"]);
      assert.deepEqual(info.notes, []);
    }));

  test("INT32, FP32 with variable shapes and BYTES requests succeed", () =>
    run(async ({ backend, server }) => {
      const ch = await backend.connect();
      const cases: RequestSpec[] = [
        simpleSpec(1),
        spec("identity_fp32", [tensor("INPUT0", "FP32", [1, 5], [0.5, 1, 2, 3, 4])], 1),
        spec("identity_fp32", [tensor("INPUT0", "FP32", [2, 3], [1, 2, 3, 4, 5, 6])], 2),
        spec(
          "simple_string",
          [
            tensor("INPUT0", "BYTES", [1, 16], Array.from({ length: 16 }, (_, i) => i)),
            tensor("INPUT1", "BYTES", [1, 16], Array.from({ length: 16 }, (_, i) => -i)),
          ],
          1,
          ["OUTPUT0"],
        ),
      ];
      for (const s of cases) {
        await backend.describe(s.model, "");
        assertOk(await sendOnce(ch, backend, s));
      }
      assert.equal(server.groundTruth("simple").successCount, 1);
      assert.equal(server.groundTruth("identity_fp32").inferenceCount, 3);
      assert.equal(server.groundTruth("simple_string").successCount, 1);
    }));

  test("batch > 1 is one execution of batch-size inferences", () =>
    run(async ({ backend, server }) => {
      await backend.describe("simple", "");
      const ch = await backend.connect();
      assertOk(await sendOnce(ch, backend, simpleSpec(4)));
      const truth = server.groundTruth("simple");
      assert.equal(truth.inferenceCount, 4);
      assert.equal(truth.executionCount, 1);
    }));

  test("a server error is an outcome, and the channel keeps working", () =>
    run(async ({ backend, server }) => {
      await backend.describe("simple", "");
      const ch = await backend.connect();
      // Shape [1,16] announced with 8 elements of data: the server must refuse it.
      const bad = await sendOnce(ch, backend, simpleSpec(1, 8));
      assert.equal(bad.outcome, "server_error");
      assert.notEqual(bad.status, 0);
      assert.ok(bad.error.length > 0, "the server's message is kept");
      assert.ok(bad.endNs >= bad.sendStartNs);
      assertOk(await sendOnce(ch, backend, simpleSpec(1)));
      assert.equal(server.groundTruth("simple").successCount, 1);
    }));

  test("an unknown model fails describe with perf_analyzer's wording", () =>
    run(async ({ backend }) => {
      await assert.rejects(backend.describe("no_such_model", ""), (e: Error) => {
        assert.ok(e instanceof RunError, String(e));
        assert.match(e.message, /^failed to get model metadata: .*no_such_model/);
        return true;
      });
    }));

  test("statistics deltas equal the server's ground truth", () =>
    run(async ({ backend, server }) => {
      assert.ok(hasServerStats(backend));
      await backend.describe("simple", "");
      const before = await backend.serverStats("simple", "");
      const channels = await Promise.all([backend.connect(), backend.connect()]);
      await Promise.all(channels.map(async (ch) => {
        for (let i = 0; i < 10; i++) assertOk(await sendOnce(ch, backend, simpleSpec(2)));
      }));
      const after = await backend.serverStats("simple", "");
      assert.deepEqual(after, server.groundTruth("simple"));
      assert.equal(after!.successCount - before!.successCount, 20);
      assert.equal(after!.inferenceCount - before!.inferenceCount, 40);
      assert.ok(after!.computeInferNs >= before!.computeInferNs);
    }));

  test("a server without model config and statistics gets notes, not errors", () =>
    run(async ({ backend }) => {
      const info = await backend.describe("simple", "");
      assert.deepEqual(info.notes, [NO_CONFIG_NOTE, NO_STATS_NOTE]);
      assert.deepEqual(info.inputs[0].shape, [16]);
      assert.ok(hasServerStats(backend));
      assert.equal(await backend.serverStats("simple", ""), undefined);
    }, { noConfig: true, noStats: true }));

  test("a decoupled model without streaming is a server error", () =>
    run(async ({ backend }) => {
      const info = await backend.describe("repeat_int32", "");
      assert.equal(info.responses, "many");
      const ch = await backend.connect();
      const rec = await sendOnce(
        ch,
        backend,
        spec("repeat_int32", [tensor("IN", "INT32", [2], [1, 2])], 1),
      );
      assert.equal(rec.outcome, "server_error");
      assert.ok(rec.error.length > 0);
    }));

  if (opts.streaming) streamingCases(test, make, opts);
}
