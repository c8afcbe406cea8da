/**
 * The unary and streaming channels (on the hand-written HTTP/2 client) against the scriptable
 * grpc-js peer (backends/triton/testing/grpc_peer.ts): an independent gRPC implementation
 * must understand our calls, compressed or not.
 */
import assert from "node:assert/strict";
import type { Channel } from "../../core/backend.ts";
import { systemClock } from "../../core/clock.ts";
import { RequestRecord } from "../../core/measure/record.ts";
import { encodeGrpcInferRequest, PreparedGrpcInfer } from "./grpc_infer_request.ts";
import { type Peer, startPeer } from "./testing/grpc_peer.ts";
import { GrpcCode } from "../net/grpc_status.ts";
import type { GrpcCompression } from "../net/grpc_compression.ts";
import { H2Endpoint } from "../net/h2_endpoint.ts";
import { requestHeaderBlock } from "../net/h2_grpc_call.ts";
import { H2StreamChannel, STREAM_ENDED } from "./h2_stream_channel.ts";
import { H2UnaryChannel, IN_FLIGHT, NOT_PREPARED } from "../net/h2_unary_channel.ts";
import { MODEL_INFER_PATH, MODEL_STREAM_INFER_PATH } from "./grpc_proto.ts";
import { sent } from "../net/testing/send.ts";

function request(
  model: string,
  streaming: boolean,
  decoupled = false,
  compression: GrpcCompression = "none",
): PreparedGrpcInfer {
  return encodeGrpcInferRequest({
    model,
    version: "",
    inputs: [{ name: "IN", datatype: "INT32", shape: [1, 4], bytes: new Uint8Array(16).fill(7) }],
    outputs: [],
    batchSize: 1,
  }, { streaming, decoupled, compression });
}

type Kind = "unary" | "stream";

function channel(kind: Kind, endpoint: H2Endpoint, address: string, compression: GrpcCompression) {
  const path = kind === "unary" ? MODEL_INFER_PATH : MODEL_STREAM_INFER_PATH;
  const block = requestHeaderBlock(path, address, [["X-Trace", "abc"]], compression);
  return kind === "unary"
    ? new H2UnaryChannel(endpoint, block, systemClock, PreparedGrpcInfer)
    : new H2StreamChannel(endpoint, block, systemClock);
}

async function withChannel(
  kind: Kind,
  body: (ch: Channel, peer: Peer) => Promise<void>,
  url?: string,
  compression: GrpcCompression = "none",
): Promise<void> {
  const peer = await startPeer();
  const address = url ?? peer.url;
  const [host, port] = address.split(":");
  const endpoint = new H2Endpoint(host, Number(port));
  const ch = channel(kind, endpoint, address, compression);
  try {
    await body(ch, peer);
  } finally {
    ch.close();
    await endpoint.close();
    await peer.close();
  }
}

function assertOrdered(rec: RequestRecord): void {
  assert.ok(rec.sendStartNs > 0, "sendStartNs set");
  assert.ok(rec.sendEndNs >= rec.sendStartNs, "sendEndNs after sendStartNs");
  assert.ok(rec.firstByteNs >= rec.sendEndNs, "first response after the send ended");
  assert.ok(rec.endNs >= rec.firstByteNs, "end after the first response");
}

{
  const within = (kind: Kind, fn: (ch: Channel, peer: Peer) => Promise<void>) =>
    withChannel(kind, fn);

  for (const kind of ["unary", "stream"] as const) {
    Deno.test(`${kind}: ok requests carry -H metadata and fill every timestamp`, async () => {
      await within(kind, async (ch, peer) => {
        const prepared = request("simple", kind === "stream");
        for (let i = 0; i < 3; i++) {
          const rec = await sent(ch, prepared);
          assert.equal(rec.outcome, "ok", rec.error);
          assert.equal(rec.responseCount, 1);
          assert.equal(rec.status, 0);
          assert.equal(rec.bytesSent, prepared.bytes.length);
          assert.ok(rec.bytesReceived > 0);
          assertOrdered(rec);
        }
        assert.equal(peer.requests.length, 3);
        assert.equal(peer.requests[0].metadata["x-trace"], "abc");
        assert.equal(peer.requests[2].request.model_name, "simple");
      });
    });

    Deno.test(`${kind}: requests from another backend are refused as data`, async () => {
      await within(kind, async (ch) => {
        const rec = new RequestRecord();
        await ch.send({ bytes: new Uint8Array(4) }, rec);
        assert.equal(rec.outcome, "protocol_error");
        assert.equal(rec.error, NOT_PREPARED);
      });
    });

    Deno.test(`${kind}: close() cancels the request in flight; later sends are cancelled`, async () => {
      await within(kind, async (ch) => {
        const rec = new RequestRecord();
        const pending = ch.send(request("never", kind === "stream"), rec);
        await new Promise((resolve) => setTimeout(resolve, 50));
        ch.close();
        await pending;
        assert.equal(rec.outcome, "cancelled");
        assert.equal(rec.status, GrpcCode.CANCELLED);
        const after = await sent(ch, request("simple", kind === "stream"));
        assert.equal(after.outcome, "cancelled");
      });
    });

    Deno.test(`${kind}: an unreachable server is a transport error`, async () => {
      const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = (probe.addr as Deno.NetAddr).port;
      probe.close();
      await withChannel(
        kind,
        async (ch) => {
          const rec = await sent(ch, request("simple", kind === "stream"));
          assert.equal(rec.outcome, "transport_error");
          assert.equal(rec.status, GrpcCode.UNAVAILABLE);
          assert.ok(rec.error.length > 0);
        },
        `127.0.0.1:${port}`,
      );
    });
  }

  Deno.test(`unary: error statuses map to outcomes with the server's message`, async () => {
    await within("unary", async (ch) => {
      const bad = await sent(ch, request("fail", false));
      assert.equal(bad.outcome, "server_error");
      assert.equal(bad.status, GrpcCode.INVALID_ARGUMENT);
      assert.equal(bad.error, "unexpected shape for input 'IN'");
      assert.ok(bad.endNs >= bad.sendStartNs && bad.endNs > 0);
      const down = await sent(ch, request("unavailable", false));
      assert.equal(down.outcome, "transport_error");
      assert.equal(down.error, "UNAVAILABLE");
      assert.equal((await sent(ch, request("simple", false))).outcome, "ok");
    });
  });

  Deno.test(`stream: decoupled responses are all recorded; the empty final one is not`, async () => {
    await within("stream", async (ch) => {
      const rec = await sent(ch, request("repeat_3", true, true));
      assert.equal(rec.outcome, "ok", rec.error);
      assert.equal(rec.responseCount, 3);
      assert.ok(rec.responseNs[0] <= rec.responseNs[1] && rec.responseNs[1] <= rec.responseNs[2]);
      assert.equal(rec.endNs, rec.responseNs[2], "end = last non-empty response");
      assertOrdered(rec);
      // The stream is free again and the next request gets its own responses, in order.
      const next = await sent(ch, request("repeat_1", true, true));
      assert.equal(next.responseCount, 1);
      const silent = await sent(ch, request("silent", true, true));
      assert.equal(silent.outcome, "ok");
      assert.equal(silent.responseCount, 0, "only the completion marker came back");
      assert.ok(silent.endNs > 0);
    });
  });

  Deno.test(`stream: without a final flag one response ends the request`, async () => {
    await within("stream", async (ch) => {
      for (const decoupled of [false, true]) {
        const rec = await sent(ch, request("no_flag", true, decoupled));
        assert.equal(rec.outcome, "ok");
        assert.equal(rec.responseCount, 1);
      }
    });
  });

  Deno.test(`stream: in-band errors fail one request; a closed stream is reopened`, async () => {
    await within("stream", async (ch, peer) => {
      const inband = await sent(ch, request("stream_error", true));
      assert.equal(inband.outcome, "server_error");
      assert.equal(inband.error, "in-band failure");
      assert.equal((await sent(ch, request("simple", true))).outcome, "ok");
      const hung = await sent(ch, request("hangup", true));
      assert.equal(hung.outcome, "server_error");
      assert.equal(hung.status, GrpcCode.RESOURCE_EXHAUSTED);
      assert.equal(hung.error, "stream refused");
      const again = await sent(ch, request("simple", true));
      assert.equal(again.outcome, "ok", again.error);
      assert.equal(peer.requests.length, 4);
    });
  });

  Deno.test(`stream: a second concurrent send on one stream is refused`, async () => {
    await within("stream", async (ch) => {
      const first = new RequestRecord();
      const pending = ch.send(request("never", true), first);
      const second = await sent(ch, request("simple", true));
      assert.equal(second.outcome, "protocol_error");
      assert.equal(second.error, IN_FLIGHT);
      ch.close();
      await pending;
      assert.equal(first.outcome, "cancelled");
    });
  });

  Deno.test(`stream: the server ending the stream cleanly fails the request in flight`, async () => {
    await within("stream", async (ch) => {
      const rec = await sent(ch, request("end_stream", true));
      assert.equal(rec.outcome, "transport_error");
      assert.equal(rec.status, GrpcCode.OK);
      assert.equal(rec.error, STREAM_ENDED);
      assert.equal((await sent(ch, request("simple", true))).outcome, "ok");
    });
  });
}

for (const kind of ["unary", "stream"] as const) {
  for (const compression of ["gzip", "deflate"] as const) {
    Deno.test(`${kind}: ${compression}-compressed requests reach a grpc-js server intact`, async () => {
      await withChannel(
        kind,
        async (ch, peer) => {
          const prepared = request("simple", kind === "stream", false, compression);
          assert.equal(prepared.message[0], 1, "the compressed-flag byte is set");
          for (let i = 0; i < 2; i++) {
            const rec = await sent(ch, prepared);
            assert.equal(rec.outcome, "ok", rec.error);
            assert.equal(rec.responseCount, 1);
          }
          assert.equal(peer.requests.length, 2);
          const got = peer.requests[1].request;
          assert.equal(got.model_name, "simple");
          const raw = (got.raw_input_contents as Uint8Array[])[0];
          assert.deepEqual([...raw], new Array(16).fill(7));
        },
        undefined,
        compression,
      );
    });
  }

  Deno.test(`${kind}: a send after the endpoint closed fails as data, never rejects`, async () => {
    const endpoint = new H2Endpoint("127.0.0.1", 1);
    await endpoint.close();
    const ch = channel(kind, endpoint, "127.0.0.1:1", "none");
    const rec = await sent(ch, request("simple", kind === "stream"));
    assert.equal(rec.outcome, "transport_error");
    assert.equal(rec.error, "channel closed");
    ch.close();
  });
}
