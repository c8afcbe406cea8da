import assert from "node:assert/strict";
import { connect, ReplyQueue } from "./testing/client.ts";
import { startServer } from "../server.ts";

function slowRepeat(count: number, delayMs: number) {
  return {
    model_name: "repeat_int32",
    id: "slow",
    inputs: [
      {
        name: "IN",
        datatype: "INT32",
        shape: [count],
        contents: { int_contents: new Array(count).fill(1) },
      },
      {
        name: "DELAY",
        datatype: "UINT32",
        shape: [count],
        contents: { uint_contents: new Array(count).fill(delayMs) },
      },
    ],
  };
}

async function failCount(url: string, model: string): Promise<number> {
  const body = await (await fetch(`http://${url}/v2/models/${model}/stats`)).json();
  return body.model_stats[0].inference_stats.fail.count;
}

Deno.test("gRPC lifecycle: a client that cancels mid-request stops it; it counts as failed", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const stream = client.stream();
    const queue = new ReplyQueue(stream);
    stream.write(slowRepeat(5, 40));
    assert.equal((await queue.take(1)).length, 1);
    stream.cancel();
    await assert.rejects(queue.take(1), /CANCELLED|Cancelled/);
    // The server notices at its next response (40 ms later); poll, bounded.
    let fails = 0;
    for (let i = 0; i < 40 && fails === 0; i++) {
      await new Promise((r) => setTimeout(r, 25));
      fails = await failCount(server.url, "repeat_int32");
    }
    assert.equal(fails, 1);
    assert.equal(server.groundTruth("repeat_int32").successCount, 0);
    const stats = await (await fetch(`http://${server.url}/v2/models/repeat_int32/stats`)).json();
    // Response 0 reached the client; the server went on until a response found the client gone
    // (response 1, or a later one when a busy machine delays the cancel), and never made all 5.
    const made = Object.keys(stats.model_stats[0].response_stats);
    assert.ok(made.length >= 2 && made.length < 5, `responses made: ${made}`);
    assert.deepEqual(made, made.map((_, i) => String(i)));
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("gRPC lifecycle: close() ends a stream the client never half-closes", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const stream = client.stream();
    const queue = new ReplyQueue(stream);
    stream.write(slowRepeat(1, 0));
    assert.equal((await queue.take(1)).length, 1);
    const started = performance.now();
    await server.close();
    const ms = performance.now() - started;
    // One second of grace, then the stream is cut.
    assert.ok(ms >= 900 && ms < 5000, `close took ${ms} ms`);
    await assert.rejects(queue.take(1));
  } finally {
    client.close();
    await server.close();
  }
});
