/**
 * --profile-export-file for --service-kind openai, end to end from the CLI against the mock's
 * ground truth: perf_analyzer's layout with request_inputs.payload, one response timestamp and
 * one response_outputs entry per event the mock wrote (its text), the endpoint, and entries in
 * the form GenAI-Perf's parser reads (every response a `data:` event; the content chunks' text
 * joined is the text the mock generated).
 */
import assert from "node:assert/strict";
import { OPENAI_CHAT, runCli, withServer, withTempDir } from "./cli_harness.ts";
import type { OpenAiOptions, OpenAiRequestTruth } from "../server/mod.ts";

const DATA_DIR = Deno.makeTempDirSync({ prefix: "openai_export_data_" });
globalThis.addEventListener("unload", () => Deno.removeSync(DATA_DIR, { recursive: true }));
const BODY = { messages: [{ role: "user", content: "one two three" }], max_tokens: 9 };
const INPUT = `${DATA_DIR}/chat.json`;
Deno.writeTextFileSync(INPUT, JSON.stringify({ data: [{ payload: [BODY] }] }));

const NO_USAGE = `${DATA_DIR}/chat_no_usage.json`;
Deno.writeTextFileSync(
  NO_USAGE,
  JSON.stringify({
    data: [{ payload: [{ ...BODY, stream_options: { include_usage: false } }] }],
  }),
);

const CHAT = [
  ...OPENAI_CHAT,
  "--input-data",
  INPUT,
];

interface ExportedRequest {
  timestamp: number;
  request_inputs: { payload: string };
  response_timestamps: number[];
  response_outputs: { response: string }[];
}

interface ExportDoc {
  experiments: { experiment: { mode: string; value: number }; requests: ExportedRequest[] }[];
  version: string;
  service_kind: string;
  endpoint: string;
}

async function exportRun(
  openai: OpenAiOptions,
  args: string[],
  input = INPUT,
): Promise<{ doc: ExportDoc; truth: Map<string, OpenAiRequestTruth> }> {
  let doc: ExportDoc | undefined;
  const truth = new Map<string, OpenAiRequestTruth>();
  await withServer({ openai }, async (server) => {
    await withTempDir("openai_export_", async (dir) => {
      const file = `${dir}/export.json`;
      const r = await runCli([
        ...CHAT.map((arg) => arg === INPUT ? input : arg),
        "-u",
        server.url,
        ...args,
        "--profile-export-file",
        file,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      doc = JSON.parse(await Deno.readTextFile(file));
      for (const t of await server.openaiTruth()) truth.set(t.id, t);
    });
  });
  return { doc: doc!, truth };
}

/** The reply id a response names (every chunk and whole body carries it). */
function replyId(response: string): string {
  const id = response.match(/"id":"([^"]+)"/)?.[1];
  assert.ok(id, `no id in ${response}`);
  return id;
}

/**
 * The text GenAI-Perf's parser takes from one response: the `data: ` prefix stripped, `[DONE]`
 * empty, else choices[0].delta.content (streams) or choices[0].message.content (whole bodies).
 */
function genaiPerfText(response: string): string {
  const data = response.startsWith("data: ") ? response.slice(6).trim() : response.trim();
  if (data === "[DONE]") return "";
  const json = JSON.parse(data);
  const choice = json.choices[0];
  if (json.object === "chat.completion") return choice.message.content ?? "";
  return choice.delta.content ?? "";
}

Deno.test("openai export: one timestamp and one output per event written, with its text", async () => {
  const { doc, truth } = await exportRun(
    { ttftUs: 2000, itlUs: 300, splitProbability: 0.5, crlf: true, eventsPerWrite: 2 },
    ["--streaming", "--concurrency-range", "2", "--request-count", "6"],
  );
  assert.equal(doc.service_kind, "openai");
  assert.equal(doc.endpoint, "v1/chat/completions");
  assert.deepEqual(Object.keys(doc), ["experiments", "version", "service_kind", "endpoint"]);
  assert.deepEqual(doc.experiments[0].experiment, { mode: "concurrency", value: 2 });
  const requests = doc.experiments[0].requests;
  assert.ok(requests.length >= 6, `${requests.length} requests exported`);
  const ids = new Set<string>();
  for (const req of requests) {
    const id = replyId(req.response_outputs[0].response);
    ids.add(id);
    const t = truth.get(id);
    assert.ok(t, `no truth for ${id}`);
    // role, 9 content events, finish, usage, [DONE]
    assert.equal(t.events.length, 13);
    assert.equal(req.response_timestamps.length, t.events.length);
    assert.deepEqual(
      req.response_outputs.map((o) => o.response),
      t.events.map((e) => `data: ${e.data}\n\n`),
    );
    const payload = JSON.parse(req.request_inputs.payload);
    assert.deepEqual(payload, {
      ...BODY,
      model: "mock-llm",
      stream: true,
      stream_options: { include_usage: true },
    });
    // GenAI-Perf's reading: every response one event starting "data: ", whose content joins to
    // the text the mock generated. The usage chunk ("choices": []) is the one it cannot read.
    const text = req.response_outputs
      .filter((_, i) => t.events[i].kind !== "usage")
      .map((o) => {
        assert.ok(o.response.startsWith("data: "));
        assert.equal(o.response.trim().split("\n\n").length, 1);
        return genaiPerfText(o.response);
      }).join("");
    const written = t.events.filter((e) => e.kind === "content")
      .map((e) => JSON.parse(e.data).choices[0].delta.content).join("");
    assert.equal(text, written);
    const usage = req.response_outputs[t.events.findIndex((e) => e.kind === "usage")];
    assert.throws(() => genaiPerfText(usage.response), TypeError, "choices[0] of []");
    assert.equal(text.split(" ").length - 1, 9, "nine one-word tokens");
  }
  assert.equal(ids.size, requests.length, "each exported request is a different reply");
});

Deno.test("openai export: a non-streamed reply has one timestamp and its whole body", async () => {
  const { doc, truth } = await exportRun({ ttftUs: 1000 }, ["--request-count", "3"]);
  assert.equal(doc.endpoint, "v1/chat/completions");
  const requests = doc.experiments[0].requests;
  assert.ok(requests.length >= 3);
  for (const req of requests) {
    assert.equal(req.response_timestamps.length, 1);
    assert.equal(req.response_outputs.length, 1);
    const t = truth.get(replyId(req.response_outputs[0].response))!;
    assert.equal(req.response_outputs[0].response, t.events[0].data);
    assert.equal(genaiPerfText(req.response_outputs[0].response).split(" ").length - 1, 9);
    assert.deepEqual(JSON.parse(req.request_inputs.payload), { ...BODY, model: "mock-llm" });
  }
});

Deno.test("openai export: without the usage chunk, every response reads by GenAI-Perf's rules", async () => {
  const { doc, truth } = await exportRun(
    { splitProbability: 0.5 },
    ["--streaming", "--request-count", "4"],
    NO_USAGE,
  );
  for (const req of doc.experiments[0].requests) {
    const t = truth.get(replyId(req.response_outputs[0].response))!;
    // role, 9 content events, finish, [DONE]: no usage chunk was asked for.
    assert.deepEqual(t.events.map((e) => e.kind), [
      "role",
      ...Array(9).fill("content"),
      "finish",
      "done",
    ]);
    const texts = req.response_outputs.map((o) => genaiPerfText(o.response));
    assert.equal(texts.filter((x) => x !== "").length, 9, "GenAI-Perf keeps the 9 content events");
    assert.equal(texts.join("").split(" ").length - 1, 9);
    assert.equal(JSON.parse(req.request_inputs.payload).stream_options.include_usage, false);
  }
});
