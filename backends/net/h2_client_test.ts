/**
 * The hand-written HTTP/2 client's unary gRPC channel against the scripted fake: what real
 * servers and proxies do only now and then (GOAWAY, RST_STREAM, a dropped connection, a
 * stream limit). The fake answers any request with an empty message, so the request bytes are
 * arbitrary; backends/triton/grpc_reference_test.ts runs real calls against the reference
 * server.
 */
import assert from "node:assert/strict";
import { systemClock } from "../../core/clock.ts";
import { H2Endpoint } from "./h2_endpoint.ts";
import { type FakeReply, startFake } from "./testing/h2_fake.ts";
import { PreparedGrpcCall, requestHeaderBlock } from "./h2_grpc_call.ts";
import { type ReplyCheck } from "./grpc_response.ts";
import { H2UnaryChannel } from "./h2_unary_channel.ts";
import { GrpcCode, grpcCodeName } from "./grpc_status.ts";
import { GrpcCallError, GrpcControl } from "./grpc_control.ts";
import { grpcTarget } from "./grpc_target.ts";
import { sent } from "./testing/send.ts";

const UNARY_BLOCK = (authority: string) => requestHeaderBlock("/fake.Service/Call", authority, []);

const PREPARED = new PreparedGrpcCall(Uint8Array.of(1, 2, 3));

type Unary = H2UnaryChannel<PreparedGrpcCall>;

const unary = (endpoint: H2Endpoint, block: Uint8Array): Unary =>
  new H2UnaryChannel(endpoint, block, systemClock, PreparedGrpcCall);

async function withFake(
  script: (call: number, path: string) => FakeReply,
  body: (
    endpoint: H2Endpoint,
    ch: () => Unary,
    conns: () => number,
    calls: () => number,
  ) => Promise<void>,
): Promise<void> {
  const fake = startFake(script);
  const endpoint = new H2Endpoint(fake.hostname, fake.port);
  const block = UNARY_BLOCK(`127.0.0.1:${fake.port}`);
  try {
    await body(endpoint, () => unary(endpoint, block), fake.connections, fake.calls);
  } finally {
    await endpoint.close();
    await fake.close();
  }
}

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

Deno.test("h2 client: calls in flight above a GOAWAY's last id go again on a new connection, none fails", async () => {
  // The fake refuses the streams after call 150 of each connection, unanswered and uncounted.
  await withFake((n) => n % 150 === 0 ? "goaway" : "ok", async (endpoint, make, _, calls) => {
    const chs = Array.from({ length: 32 }, make);
    const recs = (await Promise.all(chs.map(async (ch) => {
      const out = [];
      for (let i = 0; i < 20; i++) out.push(await sent(ch, PREPARED));
      return out;
    }))).flat();
    assert.deepEqual(recs.filter((r) => r.outcome !== "ok").map((r) => r.error), []);
    assert.equal(calls(), 640, "every call processed exactly once");
    assert.ok(endpoint.opened >= 5, `${endpoint.opened} connections for 640 calls`);
    for (const ch of chs) ch.close();
  });
});

Deno.test("h2 client: a call refused by two GOAWAYs in a row fails, as a transport error", async () => {
  await withFake(() => "refuse", async (endpoint, make, _, calls) => {
    const ch = make();
    const rec = await sent(ch, PREPARED);
    assert.equal(rec.outcome, "transport_error");
    assert.equal(rec.error, "the server closed the connection (GOAWAY, HTTP/2 error 0)");
    assert.equal(endpoint.opened, 2, "sent once more, on a second connection");
    assert.equal(calls(), 0);
    ch.close();
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
  const chs = Array.from({ length: 5 }, () => unary(endpoint, block));
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

Deno.test("h2 client: a reply the kind's check refuses is a protocol error; the next call succeeds", async () => {
  const bad = { message: Uint8Array.of(7) };
  await withFake((n) => n === 1 ? bad : "ok", async (endpoint) => {
    const block = UNARY_BLOCK("127.0.0.1");
    let walked = 0;
    const check: ReplyCheck = {
      whole: (m) => m.length > 0 ? `a reply of ${m.length} bytes` : "",
      begin: () => walked = 0,
      piece: (_chunk, from, to) => walked += to - from,
      end: () => walked > 0 ? `a reply of ${walked} bytes` : "",
    };
    const ch = new H2UnaryChannel(
      endpoint,
      block,
      systemClock,
      PreparedGrpcCall,
      () => {},
      undefined,
      0,
      check,
    );
    const refused = await sent(ch, PREPARED);
    assert.equal(refused.outcome, "protocol_error");
    assert.equal(refused.error, "a reply of 1 bytes");
    assert.equal(refused.status, GrpcCode.INTERNAL);
    assert.equal(refused.responseCount, 0);
    assert.equal((await sent(ch, PREPARED)).outcome, "ok");
    assert.equal(endpoint.opened, 1);
    ch.close();
  });
});

Deno.test("h2 client: a control call refused by a GOAWAY goes once more on a new connection", async () => {
  const reply = Uint8Array.of(8, 1);
  // Refused once, the call goes again and is answered; refused twice, it fails.
  for (const [refusals, expected] of [[1, "ok"], [2, "UNAVAILABLE"]] as const) {
    // The fake's call numbers skip refused calls: count the requests here.
    let requests = 0;
    const fake = startFake(() => ++requests <= refusals ? "refuse" : { message: reply });
    const control = new GrpcControl(grpcTarget(`127.0.0.1:${fake.port}`, 8001), [], undefined, {
      usualPort: "",
      switchProtocol: "",
    }, 5_000);
    try {
      const got = await control.call("/fake.Service/Get", Uint8Array.of()).then(
        (m) => [...m].join() === "8,1" ? "ok" : `reply ${[...m]}`,
        (e: GrpcCallError) => grpcCodeName(e.code),
      );
      assert.equal(got, expected);
      assert.equal(fake.calls(), expected === "ok" ? 1 : 0);
      assert.equal(fake.connections(), 2);
    } finally {
      await control.close();
      await fake.close();
    }
  }
});
