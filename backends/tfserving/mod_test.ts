/**
 * The tfserving backend over both protocols against the reference server: the signature
 * becomes the ModelInfo (batched because dim 0 is -1), outputs decode when captured (typed
 * int_val over gRPC, nested JSON over REST), gzip/deflate-compressed gRPC requests are
 * inflated and answered, and a bad signature, version or dtype is a clear error naming what
 * to do.
 */
import assert from "node:assert/strict";
import type { Backend, Protocol } from "../../core/backend.ts";
import { RunError } from "../../core/errors.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import { tensorFromJson, tensorToJson } from "../../core/data/tensor_codec.ts";
import { startServer } from "../../server/mod.ts";
import type { ReferenceServer } from "../../server/server.ts";
import { sendOnce, simpleSpec } from "../../conformance/fixture.ts";
import { type GrpcCompression, inflateMessage } from "../net/grpc_compression.ts";
import { createTfServingBackend } from "./mod.ts";
import type { TfServingOptions } from "./options.ts";
import { PreparedPredict } from "./request.ts";

const DEFAULTS: TfServingOptions = { signatureName: undefined };

async function withBackend(
  protocol: Protocol,
  own: TfServingOptions,
  fn: (backend: Backend, server: ReferenceServer) => Promise<void>,
  grpcCompression: GrpcCompression = "none",
): Promise<void> {
  const server = await startServer({ tfservingPort: 0 });
  const url = protocol === "grpc" ? server.tfservingUrl! : server.url;
  const backend = createTfServingBackend(
    backendOptions({ url, protocol, own, grpcCompression }),
  );
  try {
    await fn(backend, server);
  } finally {
    await backend.close();
    await server.close();
  }
}

for (const protocol of ["grpc", "http"] as Protocol[]) {
  Deno.test(`tfserving ${protocol}: the signature is the model, outputs decode`, async () => {
    await withBackend(protocol, DEFAULTS, async (backend, server) => {
      const info = await backend.describe("simple", "");
      assert.equal(info.maxBatchSize > 0, true, "dim 0 of -1 means batched");
      assert.deepEqual(info.inputs, [
        { name: "INPUT0", datatype: "INT32", shape: [16] },
        { name: "INPUT1", datatype: "INT32", shape: [16] },
      ]);
      assert.deepEqual(info.outputs.map((o) => o.name).sort(), ["OUTPUT0", "OUTPUT1"]);
      const ch = await backend.connect({ captureOutputs: true });
      const rec = await sendOnce(ch, backend, simpleSpec(2));
      assert.equal(rec.outcome, "ok", rec.error);
      const a = Array.from({ length: 32 }, (_, i) => i);
      const byName = new Map(rec.outputs.map((o) => [o.name, o]));
      assert.deepEqual(byName.get("OUTPUT0"), {
        name: "OUTPUT0",
        datatype: "INT32",
        shape: [2, 16],
        bytes: tensorFromJson("INT32", a.map((x) => 2 * x)),
      });
      assert.deepEqual(
        tensorToJson("INT32", new Uint8Array(byName.get("OUTPUT1")!.bytes)),
        a.map(() => 0),
      );
      assert.equal(server.groundTruth("simple").inferenceCount, 2);
    });
  });

  Deno.test(`tfserving ${protocol}: unknown signature, version and model are RunErrors`, async () => {
    await withBackend(protocol, { signatureName: "predict" }, async (backend) => {
      await assert.rejects(
        backend.describe("simple", ""),
        (e: Error) =>
          e instanceof RunError &&
          e.message === "model 'simple' has no signature 'predict' (it has: serving_default); " +
              "pick one with --model-signature-name",
      );
      await assert.rejects(
        backend.describe("simple", "2"),
        /failed to get model metadata: .*Servable not found for request: Specific\(simple, 2\)/,
      );
      await assert.rejects(
        backend.describe("nope", ""),
        /failed to get model metadata: .*Servable not found for request: Latest\(nope\)/,
      );
    });
  });
}

Deno.test("tfserving grpc: -x goes as version_label, which the server resolves", async () => {
  await withBackend("grpc", DEFAULTS, async (backend, server) => {
    await backend.describe("simple", "1");
    const spec = { ...simpleSpec(1), version: "1" };
    const ok = await sendOnce(await backend.connect(), backend, spec);
    assert.equal(ok.outcome, "ok", ok.error);
    const bad = await sendOnce(await backend.connect(), backend, { ...spec, version: "7" });
    assert.equal(bad.outcome, "server_error");
    assert.match(bad.error, /Servable not found for request: Specific\(simple, 7\)/);
    assert.equal(server.groundTruth("simple").successCount, 1);
  });
});

for (const compression of ["gzip", "deflate"] as const) {
  Deno.test(`tfserving grpc: ${compression}-compressed Predict requests are answered`, async () => {
    await withBackend("grpc", DEFAULTS, async (backend, server) => {
      await backend.describe("simple", "");
      const spec = simpleSpec(2);
      const prepared = backend.prepare(spec);
      assert.ok(prepared instanceof PreparedPredict);
      assert.equal(prepared.message[0], 1, "the compressed-flag byte is set");
      const body = prepared.message.subarray(5);
      assert.deepEqual([...inflateMessage(body, compression)], [...prepared.bytes]);
      const ch = await backend.connect({ captureOutputs: true });
      for (let i = 0; i < 2; i++) {
        const rec = await sendOnce(ch, backend, spec);
        assert.equal(rec.outcome, "ok", rec.error);
        const sum = rec.outputs.find((o) => o.name === "OUTPUT0")!;
        const a = Array.from({ length: 32 }, (_, i) => 2 * i);
        assert.deepEqual(tensorToJson("INT32", new Uint8Array(sum.bytes)), a);
      }
      assert.equal(server.groundTruth("simple").inferenceCount, 4);
    }, compression);
  });
}

Deno.test("tfserving: BF16 inputs are refused at prepare time", async () => {
  await withBackend("grpc", DEFAULTS, (backend) => {
    const spec = {
      ...simpleSpec(1),
      inputs: [{ name: "X", datatype: "BF16" as const, shape: [1], bytes: new Uint8Array(2) }],
    };
    assert.throws(() => backend.prepare(spec), /BF16 cannot be sent to TF Serving/);
    return Promise.resolve();
  });
});
