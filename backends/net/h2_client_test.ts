/**
 * The hand-written HTTP/2 gRPC client against the reference server (values, errors, decoupled
 * streams, flow control over long runs) and against the scripted fake (GOAWAY, RST_STREAM, a
 * dropped connection).
 */
import assert from "node:assert/strict";
import type { Channel } from "../../core/backend.ts";
import { systemClock } from "../../core/clock.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { type ReferenceServer, startServer } from "../../server/mod.ts";
import { simpleSpec, spec, tensor } from "../../conformance/fixture.ts";
import { H2ClientConnection } from "./h2_client.ts";
import { H2Endpoint } from "./h2_endpoint.ts";
import { type FakeReply, startFake } from "./testing/h2_fake.ts";
import { MessageReader, requestHeaderBlock, statusOf } from "./h2_grpc_call.ts";
import { H2StreamChannel } from "../triton/h2_stream_channel.ts";
import { H2UnaryChannel } from "../triton/h2_unary_channel.ts";
import { encodeGrpcInferRequest, type PreparedGrpcInfer } from "../triton/grpc_infer_request.ts";
import { MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH } from "../triton/grpc_proto.ts";
import { tritonRpc } from "../triton/grpc_proto.ts";
import { GrpcCode } from "./grpc_status.ts";

/** 16 channels x 313 = 5,008 requests. */
const PER_CHANNEL = Math.ceil(5000 / 16);

const UNARY_BLOCK = (authority: string) => requestHeaderBlock(MODEL_INFER_PATH, authority, []);

async function sent(ch: Channel, prepared: PreparedGrpcInfer): Promise<RequestRecord> {
  const rec = new RequestRecord();
  rec.reset(0);
  await ch.send(prepared, rec);
  return rec;
}

async function withReference(
  body: (server: ReferenceServer, endpoint: H2Endpoint) => Promise<void>,
): Promise<void> {
  const server = await startServer({ grpcPort: 0 });
  const [host, port] = server.grpcUrl!.split(":");
  const endpoint = new H2Endpoint(host, Number(port));
  try {
    await body(server, endpoint);
  } finally {
    await endpoint.close();
    await server.close();
  }
}

Deno.test("h2 client: a raw unary call returns the simple model's sums and differences", async () => {
  await withReference(async (server) => {
    const [host, port] = server.grpcUrl!.split(":");
    const conn = await H2ClientConnection.open(host, Number(port));
    const prepared = encodeGrpcInferRequest(simpleSpec(1), { streaming: false, decoupled: false });
    const messages: Uint8Array[] = [];
    const reader = new MessageReader((m) => messages.push(m.slice()));
    const trailers = await new Promise<ReturnType<typeof statusOf>>((resolve, reject) => {
      const stream = conn.request(UNARY_BLOCK(server.grpcUrl!), false, {
        onHeaders: (headers, end) => end && resolve(statusOf(headers)),
        onData: (chunk) => reader.push(chunk),
        onError: (f) => reject(new Error(f.message)),
      });
      stream.sendData(prepared.message, true);
    });
    assert.deepEqual(trailers, { code: 0, details: "" });
    assert.equal(messages.length, 1);
    const reply = tritonRpc("ModelInfer").response.decode(messages[0]);
    const raw = reply.raw_output_contents as Uint8Array[];
    const sum = new Int32Array(Uint8Array.from(raw[0]).buffer);
    const diff = new Int32Array(Uint8Array.from(raw[1]).buffer);
    assert.deepEqual([...sum.slice(0, 4)], [0, 2, 4, 6]);
    assert.deepEqual([...diff.slice(0, 4)], [0, 0, 0, 0]);
    conn.close();
    await conn.closed;
  });
});

Deno.test("h2 client: a server error is a server_error with the server's message", async () => {
  await withReference(async (server, endpoint) => {
    const ch = new H2UnaryChannel(endpoint, UNARY_BLOCK(server.grpcUrl!), systemClock);
    const bad = encodeGrpcInferRequest(spec("no_such_model", [], 1), {
      streaming: false,
      decoupled: false,
    });
    const rec = await sent(ch, bad);
    assert.equal(rec.outcome, "server_error");
    assert.notEqual(rec.status, GrpcCode.OK);
    assert.match(rec.error, /no_such_model/);
    ch.close();
  });
});

Deno.test("h2 client: decoupled repeat_int32 responses are counted in order on one stream", async () => {
  await withReference(async (server, endpoint) => {
    const block = requestHeaderBlock(MODEL_STREAM_INFER_PATH, server.grpcUrl!, []);
    const ch = new H2StreamChannel(endpoint, block, systemClock);
    ch.open();
    for (const n of [5, 1, 3]) {
      const values = Array.from({ length: n }, (_, i) => i + 10);
      const prepared = encodeGrpcInferRequest(
        spec("repeat_int32", [tensor("IN", "INT32", [n], values)], 1),
        { streaming: true, decoupled: true },
      );
      const rec = await sent(ch, prepared);
      assert.equal(rec.outcome, "ok", rec.error);
      assert.equal(rec.responseCount, n);
      for (let i = 1; i < n; i++) assert.ok(rec.responseNs[i] >= rec.responseNs[i - 1]);
      assert.equal(rec.endNs, rec.responseNs[n - 1]);
    }
    ch.close();
  });
});

Deno.test("h2 client: 5,000 requests moving 80 MB each way never stall on flow control", async () => {
  await withReference(async (server, endpoint) => {
    const block = UNARY_BLOCK(server.grpcUrl!);
    const values = Array.from({ length: 4096 }, (_, i) => i);
    const prepared = encodeGrpcInferRequest(
      spec("identity_fp32", [tensor("INPUT0", "FP32", [1, 4096], values)], 1),
      { streaming: false, decoupled: false },
    );
    const big = encodeGrpcInferRequest(
      spec(
        "identity_fp32",
        [tensor("INPUT0", "FP32", [1, 1 << 18], new Array(1 << 18).fill(1))],
        1,
      ),
      { streaming: false, decoupled: false },
    );
    const chs = Array.from({ length: 16 }, () => new H2UnaryChannel(endpoint, block, systemClock));
    let ok = 0;
    let received = 0;
    let firstError = "";
    await Promise.all(chs.map(async (ch) => {
      for (let i = 0; i < PER_CHANNEL; i++) {
        const rec = await sent(ch, i % 100 === 99 ? big : prepared);
        if (rec.outcome === "ok") ok++;
        else firstError ||= rec.error;
        received += rec.bytesReceived;
      }
    }));
    assert.equal(ok, 16 * PER_CHANNEL, firstError);
    assert.ok(received > 80e6, `received ${received} bytes`);
    assert.equal(endpoint.opened, 1, "one connection carried the whole run");
    for (const ch of chs) ch.close();
  });
});

async function withFake(
  script: (call: number) => FakeReply,
  body: (endpoint: H2Endpoint, ch: () => H2UnaryChannel, conns: () => number) => Promise<void>,
): Promise<void> {
  const fake = startFake(script);
  const endpoint = new H2Endpoint(fake.hostname, fake.port);
  const block = UNARY_BLOCK(`127.0.0.1:${fake.port}`);
  try {
    await body(endpoint, () => new H2UnaryChannel(endpoint, block, systemClock), fake.connections);
  } finally {
    await endpoint.close();
    await fake.close();
  }
}

const PREPARED = encodeGrpcInferRequest(simpleSpec(1), { streaming: false, decoupled: false });

Deno.test("h2 client: GOAWAY after 150 calls; the next calls succeed on a new connection", async () => {
  await withFake((n) => n === 150 ? "goaway" : "ok", async (endpoint, make, conns) => {
    const ch = make();
    for (let i = 1; i <= 300; i++) {
      const rec = await sent(ch, PREPARED);
      assert.equal(rec.outcome, "ok", `call ${i}: ${rec.error}`);
    }
    assert.equal(endpoint.opened, 2);
    assert.equal(conns(), 2);
    ch.close();
  });
});

Deno.test("h2 client: GOAWAY fails in-flight calls above the last id as transport errors", async () => {
  await withFake((n) => n === 150 ? "goaway" : "ok", async (endpoint, make) => {
    const chs = Array.from({ length: 32 }, make);
    const outcomes = new Map<string, number>();
    await Promise.all(chs.map(async (ch) => {
      for (let i = 0; i < 20; i++) {
        const rec = await sent(ch, PREPARED);
        const key = rec.outcome === "ok" ? "ok" : `${rec.outcome}: ${rec.error}`;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }));
    const ok = outcomes.get("ok") ?? 0;
    assert.ok(ok >= 640 - 31, JSON.stringify([...outcomes]));
    for (const key of outcomes.keys()) {
      if (key !== "ok") assert.match(key, /^transport_error: .*GOAWAY/);
    }
    assert.equal(endpoint.opened, 2);
    // The last round went out on the new connection and all succeeded.
    const after = await Promise.all(chs.map((ch) => sent(ch, PREPARED)));
    assert.ok(after.every((r) => r.outcome === "ok"));
    for (const ch of chs) ch.close();
  });
});

Deno.test("h2 client: RST_STREAM fails one call; the connection carries on", async () => {
  await withFake((n) => n === 2 ? "rst" : "ok", async (endpoint, make) => {
    const ch = make();
    assert.equal((await sent(ch, PREPARED)).outcome, "ok");
    const reset = await sent(ch, PREPARED);
    assert.equal(reset.outcome, "server_error");
    assert.equal(reset.status, GrpcCode.INTERNAL);
    assert.match(reset.error, /stream reset by the server \(HTTP\/2 error 2\)/);
    assert.equal((await sent(ch, PREPARED)).outcome, "ok");
    assert.equal(endpoint.opened, 1);
    ch.close();
  });
});

Deno.test("h2 client: a dropped connection fails every call in flight, then reconnects", async () => {
  await withFake((n) => n === 5 ? "drop" : "ok", async (endpoint, make) => {
    const chs = Array.from({ length: 4 }, make);
    const first = await Promise.all(chs.map((ch) => sent(ch, PREPARED)));
    assert.ok(first.every((r) => r.outcome === "ok"));
    const second = await Promise.all(chs.map((ch) => sent(ch, PREPARED)));
    // The fake drops the socket on the first request of this round, before answering any.
    for (const rec of second) {
      assert.equal(rec.outcome, "transport_error");
      assert.equal(rec.status, GrpcCode.UNAVAILABLE);
      assert.ok(rec.endNs > 0);
    }
    const third = await Promise.all(chs.map((ch) => sent(ch, PREPARED)));
    assert.ok(third.every((r) => r.outcome === "ok"), third.map((r) => r.error).join());
    assert.equal(endpoint.opened, 2);
    for (const ch of chs) ch.close();
  });
});

Deno.test("h2 client: the server's stream limit spreads calls over connections, none refused", async () => {
  const fake = startFake(() => "ok", 2);
  const endpoint = new H2Endpoint(fake.hostname, fake.port);
  const block = UNARY_BLOCK(`127.0.0.1:${fake.port}`);
  const chs = Array.from({ length: 5 }, () => new H2UnaryChannel(endpoint, block, systemClock));
  try {
    // The first connection's SETTINGS arrive with its first reply; later rounds know them.
    await sent(chs[0], PREPARED);
    for (let round = 0; round < 20; round++) {
      const recs = await Promise.all(chs.map((ch) => sent(ch, PREPARED)));
      assert.ok(recs.every((r) => r.outcome === "ok"), recs.map((r) => r.error).join());
    }
    assert.equal(endpoint.opened, 3, "ceil(5 / 2) connections, reused round after round");
  } finally {
    for (const ch of chs) ch.close();
    await endpoint.close();
    await fake.close();
  }
});
