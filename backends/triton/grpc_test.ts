/** TritonGrpcBackend's control plane and options against the scriptable peer. */
import assert from "node:assert/strict";
import { systemClock } from "../../core/clock.ts";
import { RunError } from "../../core/errors.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { grpcAddress, parseCompression } from "../net/grpc_target.ts";
import type { PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { type PeerOptions, startPeer } from "./testing/grpc_peer.ts";
import { NO_CONFIG_NOTE, NO_STATS_NOTE, UNKNOWN_MAX_BATCH_SIZE } from "../shared/model_info.ts";
import { createTritonGrpc, DEFAULT_GRPC_PORT, TritonGrpcBackend } from "./grpc.ts";
import { tritonOptions, type TritonOverrides } from "./testing/options.ts";
import { startServer } from "../../server/mod.ts";
import { simpleSpec } from "../../conformance/fixture.ts";

function options(url: string, over: TritonOverrides = {}) {
  return tritonOptions(url, { protocol: "grpc", ...over });
}

async function withBackend(
  peerOptions: PeerOptions,
  over: TritonOverrides,
  body: (backend: TritonGrpcBackend, peer: Awaited<ReturnType<typeof startPeer>>) => Promise<void>,
): Promise<void> {
  const peer = await startPeer(peerOptions);
  const backend = new TritonGrpcBackend(options(peer.url, over), systemClock);
  try {
    await body(backend, peer);
  } finally {
    await backend.close();
    await peer.close();
  }
}

Deno.test("describe reads metadata and config; statistics parse like HTTP's", async () => {
  await withBackend({}, {}, async (backend) => {
    const info = await backend.describe("simple", "");
    assert.equal(info.maxBatchSize, 8);
    assert.equal(info.version, "1");
    assert.equal(info.platform, "peer");
    assert.deepEqual(info.inputs, [{ name: "IN", datatype: "INT32", shape: [4] }]);
    assert.equal(info.responses, "one");
    assert.deepEqual(info.notes, []);
    const stats = await backend.serverStats("simple", "");
    assert.equal(stats?.inferenceCount, 7);
    assert.equal(stats?.executionCount, 3);
    assert.equal(stats?.successNs, 9000);
    assert.equal(stats?.queueNs, 0);
  });
});

Deno.test("a server without ModelConfig and statistics works with notes, like HTTP", async () => {
  await withBackend({ minimal: true }, {}, async (backend) => {
    const info = await backend.describe("simple", "");
    assert.equal(info.maxBatchSize, UNKNOWN_MAX_BATCH_SIZE);
    assert.deepEqual(info.inputs[0].shape, [4]);
    assert.deepEqual(info.notes, [NO_CONFIG_NOTE, NO_STATS_NOTE]);
    assert.equal(await backend.serverStats("simple", ""), undefined);
  });
});

Deno.test("describe failures use perf_analyzer's wording", async () => {
  await withBackend({}, {}, async (backend) => {
    await assert.rejects(backend.describe("missing", ""), (e: Error) => {
      assert.ok(e instanceof RunError);
      assert.equal(
        e.message,
        "failed to get model metadata: Request for unknown model: 'missing' is not found",
      );
      return true;
    });
  });
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const backend = createTritonGrpc(options(`127.0.0.1:${port}`));
  try {
    await assert.rejects(backend.describe("simple", ""), (e: Error) => {
      assert.ok(e instanceof RunError);
      assert.equal(
        e.message,
        `failed to get model metadata: Couldn't connect to server at 127.0.0.1:${port}: is the ` +
          "server running there, and is that its gRPC port (Triton's default is 8001)?",
      );
      return true;
    });
  } finally {
    await backend.close();
  }
});

Deno.test("prepare knows decoupled models from describe; streaming channels count responses", async () => {
  await withBackend({}, { streaming: true }, async (backend) => {
    const info = await backend.describe("repeat_2", "");
    assert.equal(info.responses, "many");
    const prepared = backend.prepare({
      model: "repeat_2",
      version: "",
      inputs: [{ name: "IN", datatype: "INT32", shape: [1, 4], bytes: new Uint8Array(16) }],
      outputs: [],
      batchSize: 1,
    }) as PreparedGrpcInfer;
    assert.equal(prepared.decoupled, true);
    const channels = await Promise.all([backend.connect(), backend.connect()]);
    const records = channels.map(() => new RequestRecord());
    await Promise.all(channels.map((ch, i) => ch.send(prepared, records[i])));
    for (const rec of records) {
      assert.equal(rec.outcome, "ok", rec.error);
      assert.equal(rec.responseCount, 2);
    }
  });
});

/** Forwards one port to another and counts the bytes the client sends. */
function countingProxy(target: string) {
  const [host, port] = target.split(":");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const stats = { upstream: 0, connections: 0 };
  const pumps: Promise<void>[] = [];
  const pump = async (from: Deno.Conn, to: Deno.Conn, count: boolean) => {
    const buf = new Uint8Array(65536);
    try {
      for (let n = await from.read(buf); n !== null; n = await from.read(buf)) {
        if (count) stats.upstream += n;
        await to.write(buf.subarray(0, n));
      }
    } catch { /* either side closed */ }
  };
  const accepting = (async () => {
    for await (const client of listener) {
      stats.connections++;
      const server = await Deno.connect({ hostname: host, port: Number(port) });
      conns.push(client, server);
      pumps.push(pump(client, server, true), pump(server, client, false));
    }
  })();
  return {
    url: `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    stats,
    async close() {
      listener.close();
      for (const c of conns) c.close();
      await accepting.catch(() => {});
      await Promise.all(pumps);
    },
  };
}

Deno.test("-H headers become metadata; --grpc-compression-algorithm shrinks requests", async () => {
  const peer = await startPeer();
  const sizes: Record<string, number> = {};
  try {
    for (const algorithm of ["none", "gzip", "deflate"] as const) {
      const proxy = countingProxy(peer.url);
      const backend = createTritonGrpc(options(proxy.url, {
        headers: [["X-Run", algorithm]],
        grpcCompression: algorithm,
      }));
      const ch = await backend.connect();
      const rec = new RequestRecord();
      const zeros = new Uint8Array(256 * 1024);
      const spec = {
        model: "simple",
        version: "",
        inputs: [{ name: "IN", datatype: "INT32" as const, shape: [1, 65536], bytes: zeros }],
        outputs: ["OUT"],
        batchSize: 1,
      };
      await ch.send(backend.prepare(spec), rec);
      await backend.close();
      await proxy.close();
      assert.equal(rec.outcome, "ok", rec.error);
      sizes[algorithm] = proxy.stats.upstream;
    }
  } finally {
    await peer.close();
  }
  assert.deepEqual(peer.requests.map((r) => r.metadata["x-run"]), ["none", "gzip", "deflate"]);
  assert.deepEqual(peer.requests[0].request.outputs, [{ name: "OUT" }]);
  assert.ok(sizes.none > 256 * 1024, `uncompressed: ${sizes.none} bytes`);
  assert.ok(sizes.gzip < 16 * 1024, `gzip: ${sizes.gzip} bytes`);
  assert.ok(sizes.deflate < 16 * 1024, `deflate: ${sizes.deflate} bytes`);
});

Deno.test("channels share a connection up to the limit; closed channels free their place", async () => {
  const peer = await startPeer();
  const seen: number[] = [];
  try {
    for (const perConnection of [2, 1]) {
      const proxy = countingProxy(peer.url);
      const backend = new TritonGrpcBackend(
        options(proxy.url, { streaming: true }),
        systemClock,
        { channelsPerConnection: perConnection },
      );
      await backend.describe("simple", "");
      const prepared = backend.prepare({
        model: "simple",
        version: "",
        inputs: [{ name: "IN", datatype: "INT32", shape: [1, 4], bytes: new Uint8Array(16) }],
        outputs: [],
        batchSize: 1,
      });
      // Two rounds of two channels, as a sweep reconnects between load levels.
      for (let round = 0; round < 2; round++) {
        const channels = [await backend.connect(), await backend.connect()];
        for (const ch of channels) {
          const rec = new RequestRecord();
          await ch.send(prepared, rec);
          assert.equal(rec.outcome, "ok", rec.error);
          ch.close();
        }
      }
      await backend.close();
      await proxy.close();
      seen.push(proxy.stats.connections);
    }
  } finally {
    await peer.close();
  }
  // The control connection plus one (2 per connection) or two (1 per connection).
  assert.deepEqual(seen, [2, 3]);
});

Deno.test("options: addresses, compression names and header names are checked", () => {
  assert.equal(grpcAddress("localhost", DEFAULT_GRPC_PORT), "127.0.0.1:8001");
  assert.equal(grpcAddress("example.org:9000", DEFAULT_GRPC_PORT), "example.org:9000");
  assert.equal(grpcAddress("[::1]:8001", DEFAULT_GRPC_PORT), "[::1]:8001");
  assert.equal(grpcAddress("http://10.0.0.1", DEFAULT_GRPC_PORT), "10.0.0.1:8001");
  assert.throws(() => grpcAddress("host:", DEFAULT_GRPC_PORT), RunError);
  assert.equal(parseCompression(undefined), "none");
  assert.equal(parseCompression("Deflate"), "deflate");
  assert.throws(() => parseCompression("brotli"), /unsupported gRPC compression algorithm/);
  assert.throws(
    () => createTritonGrpc(options("127.0.0.1:1", { headers: [["bad header", "x"]] })),
    /invalid header 'bad header'/,
  );
});

Deno.test("gzip and deflate requests reach the reference server and are counted", async () => {
  const server = await startServer({ grpcPort: 0 });
  try {
    let expected = 0;
    for (const grpcCompression of ["gzip", "deflate"] as const) {
      for (const streaming of [false, true]) {
        const backend = createTritonGrpc(options(server.grpcUrl!, { grpcCompression, streaming }));
        try {
          await backend.describe("simple", "");
          const prepared = backend.prepare(simpleSpec(1)) as PreparedGrpcInfer;
          assert.equal(prepared.message[0], 1, "compressed-flag byte");
          const ch = await backend.connect();
          for (let i = 0; i < 3; i++) {
            const rec = new RequestRecord();
            await ch.send(prepared, rec);
            assert.equal(rec.outcome, "ok", `${grpcCompression} ${streaming}: ${rec.error}`);
          }
          expected += 3;
          assert.equal(server.groundTruth("simple").successCount, expected);
        } finally {
          await backend.close();
        }
      }
    }
  } finally {
    await server.close();
  }
});
