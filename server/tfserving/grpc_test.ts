/**
 * The reference server's TF Serving gRPC listener, driven by a plain grpc-js client built from
 * proto/tfserving/*.proto (not the JSON the server uses): Predict computes `simple`, metadata
 * reports the "serving_default" signature, status reports version 1, and refusals carry
 * TF Serving's codes and texts. Every Predict lands in the same ground truth as KServe ones.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { tfMessages } from "../../wire/tfserving/proto.ts";
import { PROTO_DIR, PROTO_OPTIONS } from "../grpc/proto.ts";
import { type ReferenceServer, startServer } from "../server.ts";

type Reply = Record<string, unknown>;
type Call = (
  service: "PredictionService" | "ModelService",
  method: string,
  req: Reply,
) => Promise<Reply>;

async function withTf(fn: (call: Call, server: ReferenceServer) => Promise<void>): Promise<void> {
  const def = protoLoader.loadSync("serving.proto", {
    ...PROTO_OPTIONS,
    includeDirs: [`${PROTO_DIR}tfserving/`],
  });
  const pkg = grpc.loadPackageDefinition(def) as unknown as {
    tensorflow: { serving: Record<string, grpc.ServiceClientConstructor> };
  };
  const server = await startServer({ tfservingPort: 0 });
  const clients: grpc.Client[] = [];
  const call: Call = (service, method, req) => {
    const client = new pkg.tensorflow.serving[service](
      server.tfservingUrl!,
      grpc.credentials.createInsecure(),
    );
    clients.push(client);
    const fn = (client as unknown as Record<string, grpc.requestCallback<Reply>>)[method];
    return new Promise((resolve, reject) => {
      (fn as unknown as (r: Reply, cb: grpc.requestCallback<Reply>) => void).call(
        client,
        req,
        (err, res) => err ? reject(err) : resolve(res!),
      );
    });
  };
  try {
    await fn(call, server);
  } finally {
    for (const c of clients) c.close();
    await server.close();
  }
}

const SIXTEEN = Array.from({ length: 16 }, (_, i) => i);

function int32(values: number[], dims = [1, values.length]): Reply {
  return {
    dtype: "DT_INT32",
    tensor_shape: { dim: dims.map((size) => ({ size })) },
    int_val: values,
  };
}

function predict(overrides: Reply = {}): Reply {
  return {
    model_spec: { name: "simple", signature_name: "serving_default" },
    inputs: { INPUT0: int32(SIXTEEN), INPUT1: int32(SIXTEEN.map(() => 1)) },
    ...overrides,
  };
}

async function rejects(p: Promise<unknown>, code: grpc.status, details: RegExp): Promise<void> {
  await assert.rejects(p, (e: grpc.ServiceError) => {
    assert.equal(e.code, code, e.details);
    assert.match(e.details, details);
    return true;
  });
}

Deno.test("tfserving gRPC: Predict computes simple's sum and difference in int_val", async () => {
  await withTf(async (call, server) => {
    const reply = await call("PredictionService", "Predict", predict()) as {
      outputs: Record<
        string,
        { dtype: string; tensor_shape: { dim: { size: number }[] }; int_val: number[] }
      >;
      model_spec: { name: string; signature_name: string };
    };
    assert.deepEqual(Object.keys(reply.outputs).sort(), ["OUTPUT0", "OUTPUT1"]);
    assert.equal(reply.outputs.OUTPUT0.dtype, "DT_INT32");
    assert.deepEqual(reply.outputs.OUTPUT0.tensor_shape.dim.map((d) => d.size), [1, 16]);
    assert.deepEqual(reply.outputs.OUTPUT0.int_val, SIXTEEN.map((x) => x + 1));
    assert.deepEqual(reply.outputs.OUTPUT1.int_val, SIXTEEN.map((x) => x - 1));
    assert.equal(reply.model_spec.name, "simple");
    assert.equal(reply.model_spec.signature_name, "serving_default");
    // output_filter narrows the reply, "" is the default signature, version_label 1 exists.
    const one = await call(
      "PredictionService",
      "Predict",
      predict({
        model_spec: { name: "simple", version_label: "1" },
        output_filter: ["OUTPUT1"],
      }),
    ) as { outputs: Reply };
    assert.deepEqual(Object.keys(one.outputs), ["OUTPUT1"]);
    assert.equal(server.groundTruth("simple").successCount, 2);
  });
});

Deno.test("tfserving gRPC: metadata is the serving_default SignatureDef in an Any", async () => {
  await withTf(async (call) => {
    const reply = await call("PredictionService", "GetModelMetadata", {
      model_spec: { name: "simple" },
      metadata_field: ["signature_def"],
    }) as { metadata: { signature_def: { type_url: string; value: Uint8Array } } };
    const any = reply.metadata.signature_def;
    assert.equal(any.type_url, "type.googleapis.com/tensorflow.serving.SignatureDefMap");
    const map = tfMessages().SignatureDefMap.decode(any.value).signature_def as Record<
      string,
      { inputs: Record<string, unknown>; outputs: Record<string, unknown> }
    >;
    assert.deepEqual(Object.keys(map), ["serving_default"]);
    assert.deepEqual(map.serving_default.inputs.INPUT0, {
      name: "INPUT0:0",
      dtype: "DT_INT32",
      tensor_shape: { dim: [{ size: "-1" }, { size: "16" }] },
    });
    assert.deepEqual(Object.keys(map.serving_default.outputs).sort(), ["OUTPUT0", "OUTPUT1"]);
    await rejects(
      call("PredictionService", "GetModelMetadata", { model_spec: { name: "simple" } }),
      grpc.status.INVALID_ARGUMENT,
      /must specify at least one metadata_field/,
    );
  });
});

Deno.test("tfserving gRPC: GetModelStatus reports version 1 AVAILABLE", async () => {
  await withTf(async (call) => {
    const reply = await call("ModelService", "GetModelStatus", { model_spec: { name: "simple" } });
    assert.deepEqual(reply.model_version_status, [{
      version: 1,
      state: "AVAILABLE",
      status: { error_code: 0, error_message: "" },
    }]);
  });
});

Deno.test("tfserving gRPC: refusals carry TF Serving's codes and texts", async () => {
  await withTf(async (call, server) => {
    await rejects(
      call("PredictionService", "Predict", predict({ model_spec: { name: "nope" } })),
      grpc.status.NOT_FOUND,
      /^Servable not found for request: Latest\(nope\)$/,
    );
    await rejects(
      call(
        "PredictionService",
        "Predict",
        predict({ model_spec: { name: "simple", version_label: "3" } }),
      ),
      grpc.status.NOT_FOUND,
      /^Servable not found for request: Specific\(simple, 3\)$/,
    );
    await rejects(
      call(
        "PredictionService",
        "Predict",
        predict({
          model_spec: { name: "simple", signature_name: "other" },
        }),
      ),
      grpc.status.INVALID_ARGUMENT,
      /^Serving signature key "other" not found\.$/,
    );
    await rejects(
      call(
        "PredictionService",
        "Predict",
        predict({
          inputs: {
            INPUT0: { ...int32(SIXTEEN), dtype: "DT_INT64", int64_val: SIXTEEN, int_val: [] },
            INPUT1: int32(SIXTEEN),
          },
        }),
      ),
      grpc.status.INVALID_ARGUMENT,
      /^Expects arg\[0\] to be int32 but int64 is provided$/,
    );
    await rejects(
      call(
        "PredictionService",
        "Predict",
        predict({ inputs: { INPUT0: int32(SIXTEEN), X: int32(SIXTEEN) } }),
      ),
      grpc.status.INVALID_ARGUMENT,
      /^input tensor alias not found in signature: X\. Inputs expected to be in the set \{INPUT0,INPUT1\}\.$/,
    );
    await rejects(
      call(
        "PredictionService",
        "Predict",
        predict({ inputs: { INPUT0: int32(SIXTEEN), INPUT1: int32([1, 2]) } }),
      ),
      grpc.status.INVALID_ARGUMENT,
      /INPUT1/,
    );
    assert.equal(server.groundTruth("simple").successCount, 0);
  });
});
