import assert from "node:assert/strict";
import { connect, int32Bytes, int32Values } from "./testing/client.ts";
import { startServer } from "../server.ts";
import { range16 } from "../testing/helpers.ts";

interface Reply {
  outputs: { name: string; shape: unknown[] }[];
  raw_output_contents: Uint8Array[];
}

const int64 = (v: number) => ({ int64_param: v });
const region = (name: string, size: number, offset: number) => ({
  shared_memory_region: { string_param: name },
  shared_memory_byte_size: int64(size),
  shared_memory_offset: int64(offset),
});

function byRegion(name: string) {
  return {
    model_name: "simple",
    inputs: [
      { name: "INPUT0", datatype: "INT32", shape: [1, 16], parameters: region(name, 64, 0) },
      { name: "INPUT1", datatype: "INT32", shape: [1, 16], parameters: region(name, 64, 64) },
    ],
    outputs: [
      { name: "OUTPUT0", parameters: region(name, 64, 128) },
      { name: "OUTPUT1", parameters: region(name, 64, 192) },
    ],
  };
}

Deno.test("system shm over gRPC: register, infer by region, errors, unregister", async () => {
  const key = `pa_test_${Deno.pid}_grpc`;
  const path = `/dev/shm/${key}`;
  const file = new Uint8Array(256);
  file.set(int32Bytes(range16(0)), 0);
  file.set(int32Bytes(range16(100)), 64);
  Deno.writeFileSync(path, file);
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    await client.call("SystemSharedMemoryRegister", { name: "g", key, offset: 0, byte_size: 256 });
    await assert.rejects(
      client.call("SystemSharedMemoryRegister", { name: "g", key, offset: 0, byte_size: 256 }),
      { code: 3, details: "shared memory region 'g' already in manager" },
    );
    const status = await client.call<{ regions: Record<string, { key: string }> }>(
      "SystemSharedMemoryStatus",
      { name: "" },
    );
    assert.deepEqual(Object.keys(status.regions), ["g"]);
    assert.equal(status.regions.g.key, key);

    const reply = await client.call<Reply>("ModelInfer", byRegion("g"));
    // The data went to the region; each output keeps an empty raw slot.
    assert.deepEqual(reply.outputs.map((o) => o.name), ["OUTPUT0", "OUTPUT1"]);
    assert.deepEqual(reply.raw_output_contents.map((b) => b.length), [0, 0]);
    const after = Deno.readFileSync(path);
    assert.deepEqual(int32Values(after.subarray(128, 192)), range16(0).map((v, i) => v + 100 + i));
    assert.deepEqual(int32Values(after.subarray(192, 256)), range16(0).map(() => -100));

    const withContents = byRegion("g");
    Object.assign(withContents.inputs[0], { contents: { int_contents: range16(0) } });
    await assert.rejects(client.call("ModelInfer", withContents), {
      code: 3,
      details: "contents field must not be specified when using shared memory for 'INPUT0' " +
        "for model 'simple'",
    });
    await assert.rejects(
      client.call("CudaSharedMemoryRegister", { name: "c", device_id: 0, byte_size: 8 }),
      { code: 3, details: "failed to register CUDA shared memory region: 'c', GPUs not supported" },
    );
    await client.call("SystemSharedMemoryUnregister", { name: "" });
    await assert.rejects(client.call("ModelInfer", byRegion("g")), {
      code: 3,
      details: "Unable to find shared memory region: 'g'",
    });
  } finally {
    client.close();
    await server.close();
    Deno.removeSync(path);
  }
});
