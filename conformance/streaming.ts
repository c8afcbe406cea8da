/**
 * The conformance cases for backends that stream (--streaming): responses arrive in order on
 * each stream, and decoupled models are counted response by response.
 */
import assert from "node:assert/strict";
import { hasServerStats } from "../core/backend.ts";
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

type Register = (title: string, fn: () => Promise<void>) => void;

const repeat = (values: number[], delaysMs?: number[]) =>
  spec("repeat_int32", [
    tensor("IN", "INT32", [values.length], values),
    ...(delaysMs ? [tensor("DELAY", "UINT32", [delaysMs.length], delaysMs)] : []),
  ], 1);

export function streamingCases(test: Register, make: MakeBackend, opts: ConformanceOptions): void {
  const run = (body: (f: Fixture) => Promise<void>) =>
    withFixture(make, opts, { streaming: true }, body);

  test("streaming: each stream answers its requests in order", () =>
    run(async ({ backend, server }) => {
      await backend.describe("simple", "");
      await backend.describe("identity_fp32", "");
      const channels = await Promise.all([0, 1, 2, 3].map(() => backend.connect()));
      const fp32 = (n: number) =>
        spec("identity_fp32", [tensor("INPUT0", "FP32", [1, n], new Array(n).fill(1))], 1);
      let simpleInferences = 0;
      await Promise.all(channels.map(async (ch, c) => {
        let lastFp32Bytes = 0;
        for (let i = 0; i < 25; i++) {
          // Alternating models and sizes, so a response matched to the wrong request shows
          // up in its size or in the ground truth below.
          const s = (i + c) % 2 === 0 ? simpleSpec(1 + (i % 3)) : fp32(1 + i);
          if (s.model === "simple") simpleInferences += s.batchSize;
          const rec = await sendOnce(ch, backend, s);
          assertOk(rec);
          if (s.model === "identity_fp32") {
            // The identity reply grows with its request: a response matched to another
            // request would break the growth.
            assert.ok(rec.bytesReceived > lastFp32Bytes, `channel ${c} request ${i}`);
            lastFp32Bytes = rec.bytesReceived;
          }
        }
      }));
      const simple = server.groundTruth("simple");
      const identity = server.groundTruth("identity_fp32");
      assert.equal(simple.successCount + identity.successCount, 100);
      assert.equal(simple.successCount, 50);
      assert.equal(simple.inferenceCount, simpleInferences);
      assert.equal(identity.inferenceCount, 50);
    }));

  test("streaming: a decoupled model's responses are all counted, in time order", () =>
    run(async ({ backend, server }) => {
      const info = await backend.describe("repeat_int32", "");
      assert.equal(info.responses, "many");
      const ch = await backend.connect();
      const five = await sendOnce(ch, backend, repeat([10, 20, 30, 40, 50], [2, 2, 2, 2, 2]));
      assertOk(five, 5);
      for (let i = 1; i < 5; i++) {
        assert.ok(five.responseNs[i] >= five.responseNs[i - 1], `response ${i} out of order`);
      }
      // The server waits 2 ms before each response: 8 ms from the first to the last. Half of
      // it leaves room for a late first delivery on a busy machine, and still fails if the
      // responses were timestamped together at the end.
      const span = five.responseNs[4] - five.responseNs[0];
      assert.ok(span >= 4e6, `responses spread over only ${span} ns`);
      assert.equal(five.endNs, five.responseNs[4], "the request ends at its last response");
      assertOk(await sendOnce(ch, backend, repeat([7])), 1);
      const three = await sendOnce(ch, backend, repeat([1, 2, 3]));
      assertOk(three, 3);
      assert.equal(server.groundTruth("repeat_int32").successCount, 3);
      if (hasServerStats(backend)) {
        assert.deepEqual(
          await backend.serverStats("repeat_int32", ""),
          server.groundTruth("repeat_int32"),
        );
      }
    }));

  test("streaming: a server error fails one request and the stream goes on", () =>
    run(async ({ backend }) => {
      await backend.describe("simple", "");
      const ch = await backend.connect();
      const bad = await sendOnce(ch, backend, simpleSpec(1, 8));
      assert.equal(bad.outcome, "server_error");
      assert.ok(bad.error.length > 0);
      assertOk(await sendOnce(ch, backend, simpleSpec(1)));
    }));
}
