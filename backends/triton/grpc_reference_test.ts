/**
 * Triton's gRPC channels on the hand-written HTTP/2 client against the reference server:
 * values, server errors, decoupled streams, and flow control over a long run on one
 * connection.
 */
import assert from "node:assert/strict";
import { systemClock } from "../../core/clock.ts";
import { type ReferenceServer, startServer } from "../../server/mod.ts";
import { simpleSpec, spec, tensor } from "../../conformance/fixture.ts";
import { MessageReader } from "../../wire/grpc/framing.ts";
import { H2ClientConnection } from "../net/h2_client.ts";
import { H2Endpoint } from "../net/h2_endpoint.ts";
import { requestHeaderBlock, statusOf } from "../net/h2_grpc_call.ts";
import { H2UnaryChannel } from "../net/h2_unary_channel.ts";
import { GrpcCode } from "../net/grpc_status.ts";
import { H2StreamChannel } from "./h2_stream_channel.ts";
import { watchDelivery } from "./testing/stream_delivery.ts";
import { encodeGrpcInferRequest, PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { InferResponseWalk } from "./grpc_infer_response.ts";
import { MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH, tritonRpc } from "./grpc_proto.ts";
import { sent } from "../net/testing/send.ts";

/** 16 channels x 313 = 5,008 requests. */
const PER_CHANNEL = Math.ceil(5000 / 16);

const UNARY_BLOCK = (authority: string) => requestHeaderBlock(MODEL_INFER_PATH, authority, []);

const unary = (endpoint: H2Endpoint, block: Uint8Array) =>
  new H2UnaryChannel(endpoint, block, systemClock, PreparedGrpcInfer);

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

Deno.test("triton grpc on h2: a raw unary call returns the simple model's sums and differences", async () => {
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

Deno.test("triton grpc on h2: a server error is a server_error with the server's message", async () => {
  await withReference(async (server, endpoint) => {
    const ch = unary(endpoint, UNARY_BLOCK(server.grpcUrl!));
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

Deno.test("triton grpc on h2: decoupled repeat_int32 responses are counted in order on one stream", async () => {
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

Deno.test("triton grpc on h2: 5,000 requests moving 80 MB each way never stall on flow control", async () => {
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
    const chs = Array.from({ length: 16 }, () => unary(endpoint, block));
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

/** The triton reply walk, counting the pieces it hears. */
class PiecesSeen extends InferResponseWalk {
  pieces = 0;
  override piece(chunk: Uint8Array, from: number, to: number): void {
    this.pieces++;
    super.piece(chunk, from, to);
  }
}

Deno.test("triton grpc on h2: a 1 MiB reply is counted whole, skimmed or captured", async () => {
  await withReference(async (server, endpoint) => {
    const block = UNARY_BLOCK(server.grpcUrl!);
    const values = Array.from({ length: 1 << 18 }, (_, i) => i);
    const big = encodeGrpcInferRequest(
      spec("identity_fp32", [tensor("INPUT0", "FP32", [1, 1 << 18], values)], 1),
      { streaming: false, decoupled: false },
    );
    // With a capture the reply is gathered and its bytes read; without, only counted.
    const messages: Uint8Array[] = [];
    const capturing = new H2UnaryChannel(
      endpoint,
      block,
      systemClock,
      PreparedGrpcInfer,
      undefined,
      (message) => messages.push(message.slice()),
    );
    const captured = await sent(capturing, big);
    const skimmed = await sent(unary(endpoint, block), big);
    // With the reply check (what the triton kind runs) the reply is walked as it arrives.
    const walk = new PiecesSeen();
    const checking = new H2UnaryChannel(
      endpoint,
      block,
      systemClock,
      PreparedGrpcInfer,
      undefined,
      undefined,
      0,
      walk,
    );
    const checked = await sent(checking, big);
    assert.equal(checked.outcome, "ok", checked.error);
    assert.equal(checked.bytesReceived, messages[0].length);
    assert.ok(walk.pieces > 1, `${walk.pieces} pieces`);
    assert.equal(captured.outcome, "ok", captured.error);
    assert.equal(skimmed.outcome, "ok", skimmed.error);
    assert.equal(messages.length, 1);
    assert.ok(messages[0].length > 1 << 20, `${messages[0].length} bytes`);
    assert.equal(captured.bytesReceived, messages[0].length);
    assert.equal(skimmed.bytesReceived, messages[0].length);
    assert.equal(skimmed.responseCount, 1);
  });
});

Deno.test("triton grpc on h2: a 1 MiB streamed reply is walked in pieces, never gathered", async () => {
  await withReference(async (server, endpoint) => {
    const block = requestHeaderBlock(MODEL_STREAM_INFER_PATH, server.grpcUrl!, []);
    const values = Array.from({ length: 1 << 18 }, (_, i) => i);
    const big = encodeGrpcInferRequest(
      spec("identity_fp32", [tensor("INPUT0", "FP32", [1, 1 << 18], values)], 1),
      { streaming: true, decoupled: false },
    );
    const ch = new H2StreamChannel(endpoint, block, systemClock);
    assert.ok(ch.walk, "the channel walks its replies");
    const delivery = watchDelivery(ch);
    for (let i = 0; i < 3; i++) {
      const rec = await sent(ch, big);
      assert.equal(rec.outcome, "ok", rec.error);
      assert.equal(rec.responseCount, 1);
      assert.ok(rec.bytesReceived > 1 << 20, `${rec.bytesReceived} bytes`);
    }
    assert.deepEqual(delivery.whole, []);
    assert.ok(delivery.pieces() > 3, `${delivery.pieces()} pieces`);
    ch.close();
  });
});
