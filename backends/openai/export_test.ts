/**
 * What the openai channel keeps for --profile-export-file, against the mock's ground truth: one
 * response_outputs entry per event it wrote, with that event's data, however the bytes were cut;
 * nothing at all when the run writes no export.
 */
import assert from "node:assert/strict";
import { RequestRecord } from "../../core/measure/record.ts";
import { startServer } from "../../server/mod.ts";
import type { OpenAiOptions } from "../../server/mod.ts";
import { eventOutput } from "./channel.ts";
import { OpenAiBackend } from "./mod.ts";
import { payloadSpec } from "./testing/spec.ts";
import { openAiTestOptions } from "./testing/backend.ts";

const BODY = { messages: [{ role: "user", content: "a b c" }], max_tokens: 7 };

async function sendTwice(
  openai: OpenAiOptions,
  streaming: boolean,
  exportTexts: boolean | undefined,
  check: (records: { outputs: string[]; inputs: string; responses: number }[]) => void,
  truthCheck: (truthData: string[][]) => void = () => {},
): Promise<void> {
  const server = await startServer({ openai });
  const backend = new OpenAiBackend(openAiTestOptions(server.url, {}, { streaming }), null);
  try {
    assert.equal(backend.capabilities.endpoint, "v1/chat/completions");
    const prepared = backend.prepare(payloadSpec(BODY));
    const ch = await backend.connect(exportTexts === undefined ? undefined : { exportTexts });
    const record = new RequestRecord();
    const seen: { outputs: string[]; inputs: string; responses: number }[] = [];
    for (let i = 0; i < 2; i++) {
      record.reset(performance.now() * 1e6);
      await ch.send(prepared, record);
      assert.equal(record.outcome, "ok", record.error);
      const t = record.exportTexts;
      seen.push({
        outputs: t === null ? [] : t.outputs.slice(0, t.count),
        inputs: t === null ? "" : new TextDecoder().decode(t.inputs),
        responses: record.responseCount,
      });
      assert.equal(t !== null, exportTexts === true, "texts exactly when an export is written");
    }
    check(seen);
    truthCheck(server.openaiTruth().map((t) => t.events.map((e) => e.data)));
  } finally {
    await backend.close();
    await server.close();
  }
}

Deno.test("export texts: one entry per event the mock wrote, its data, across cut writes and CRLF", async () => {
  let outputs: string[][] = [];
  await sendTwice(
    { splitProbability: 0.7, crlf: true, eventsPerWrite: 3, unicodeTokens: true, seed: 5 },
    true,
    true,
    (records) => {
      outputs = records.map((r) => r.outputs);
      for (const r of records) {
        assert.equal(r.outputs.length, r.responses, "one output per response timestamp");
        const payload = JSON.parse(JSON.parse(r.inputs).payload);
        assert.deepEqual(payload.messages, BODY.messages);
        assert.equal(payload.stream, true);
        assert.deepEqual(payload.stream_options, { include_usage: true });
        assert.equal(payload.model, "mock-llm");
      }
    },
    (truth) => {
      assert.equal(truth.length, 2);
      // role, 7 content events, finish, usage, [DONE]: 11 events, each as a server writes it.
      assert.equal(truth[0].length, 11);
      truth.forEach((events, i) => {
        assert.deepEqual(
          outputs[i].map((o) => JSON.parse(o).response),
          events.map((d) => `data: ${d}\n\n`),
        );
      });
    },
  );
});

Deno.test("export texts: a non-streamed reply is one entry, the whole body", async () => {
  let bodies: string[] = [];
  await sendTwice({}, false, true, (records) => {
    bodies = records.map((r) => {
      assert.equal(r.outputs.length, 1);
      assert.equal(r.responses, 1);
      return JSON.parse(r.outputs[0]).response;
    });
  }, (truth) => assert.deepEqual(bodies, truth.map((events) => events[0])));
});

Deno.test("export texts: nothing is kept when the run writes no export", async () => {
  for (const flag of [undefined, false]) {
    await sendTwice({}, true, flag, (records) => {
      for (const r of records) {
        assert.deepEqual(r.outputs, []);
        assert.equal(r.responses, 11);
      }
    });
  }
});

Deno.test("export texts: a multi-line data field is written back as several data lines", () => {
  assert.equal(eventOutput('{"a":\n1}'), JSON.stringify({ response: 'data: {"a":\ndata: 1}\n\n' }));
  assert.equal(eventOutput("[DONE]"), JSON.stringify({ response: "data: [DONE]\n\n" }));
});
