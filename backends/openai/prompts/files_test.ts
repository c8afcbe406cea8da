import assert from "node:assert/strict";
import { isUsageError } from "../../../core/errors.ts";
import { loadTokenCounter } from "../tokenizer.ts";
import { MOONCAKE_BLOCK_TOKENS } from "./files.ts";
import { buildInputs, type PromptOptions } from "./mod.ts";
import { bodiesOf, DISK, promptOf, promptOptions, testdata, textFile } from "./testing.ts";

const counter = await loadTokenCounter("builtin");

function fileOptions(name: string, over: Partial<PromptOptions> = {}): PromptOptions {
  return promptOptions({ inputFile: testdata(name), inputFileFormat: "auto", ...over });
}

Deno.test("jsonl single-turn: one entry per line, text or prompt, lengths counted", async () => {
  const set = await buildInputs(fileOptions("single_turn.jsonl"), DISK);
  const prompts = bodiesOf(set).map(promptOf);
  assert.deepEqual(prompts, [
    "What is the capital of France?",
    "Explain the difference between a list and a tuple in Python.",
    "Write a haiku about the sea.",
  ]);
  assert.deepEqual(set.inputLengths, prompts.map((p) => counter.count(p)));
  assert.ok(set.document.data.every((e) => Object.keys(e).join() === "payload"));
  assert.deepEqual(
    await buildInputs(fileOptions("single_turn.jsonl", { inputFileFormat: "jsonl" }), DISK),
    set,
    "auto detects jsonl",
  );
});

Deno.test("jsonl lines with a timestamp: send times over the speed-up", async () => {
  const text = '{"text": "a b", "timestamp": 0}\n{"text": "c", "timestamp": 30}\n';
  const set = await buildInputs(
    promptOptions({ inputFile: "t.jsonl", fixedScheduleSpeedup: 3 }),
    textFile(text),
  );
  assert.deepEqual(set.document.data.map((e) => e.timestamp), [[0], [10]]);
  await assert.rejects(
    buildInputs(
      promptOptions({ inputFile: "t.jsonl" }),
      textFile('{"text": "a", "timestamp": -1}'),
    ),
    /t.jsonl: line 1: "timestamp" must be a number >= 0, got -1/,
  );
});

Deno.test("sharegpt: the first human turn, its reply's length as max_tokens", async () => {
  const set = await buildInputs(fileOptions("sharegpt.json"), DISK);
  const bodies = bodiesOf(set);
  assert.deepEqual(bodies.map(promptOf), ["How do I boil an egg?", "Name three primary colors."]);
  assert.deepEqual(bodies.map((b) => b.max_tokens), [
    counter.count(
      "Put the egg in boiling water for nine minutes, then cool it in cold water.",
    ),
    counter.count("Red, yellow and blue."),
  ]);
  const one = await buildInputs(fileOptions("sharegpt.json", { numDatasetEntries: 1 }), DISK);
  assert.equal(one.document.data.length, 1, "--num-dataset-entries caps the conversations");
});

Deno.test("sessions: each turn an entry with its session id and the wait after it", async () => {
  const set = await buildInputs(
    fileOptions("sessions.jsonl", { endpointType: "completions" }),
    DISK,
  );
  assert.deepEqual(
    set.document.data.map((e) => [promptOf(e.payload[0]), e.session_id, e.delay]),
    [
      ["one two three", ["alpha"], [250]],
      ["four five", ["alpha"], [100]],
      ["six", ["alpha"], undefined],
      ["seven eight nine ten", ["beta"], [40]],
      ["eleven", ["beta"], undefined],
    ],
  );
  assert.deepEqual(set.inputLengths, bodiesOf(set).map((b) => counter.count(promptOf(b))));
});

Deno.test("mooncake: exact lengths, shared blocks per hash id, timestamps over the speed-up", async () => {
  const set = await buildInputs(
    fileOptions("mooncake.jsonl", { fixedScheduleSpeedup: 2 }),
    DISK,
  );
  const data = set.document.data;
  assert.deepEqual(data.map((e) => e.timestamp), [[0], [5], [12.5], [20]]);
  assert.deepEqual(data.map((e) => e.payload[0].max_tokens), [52, 26, 20, 8]);
  const prompts = data.map((e) => promptOf(e.payload[0]));
  assert.deepEqual(set.inputLengths, [655, 672, 1200, 100]);
  assert.deepEqual(prompts.map((p) => counter.count(p)), set.inputLengths);
  const words = prompts.map((p) => p.split(" "));
  const block = (w: string[], k: number, n = MOONCAKE_BLOCK_TOKENS) =>
    w.slice(k * MOONCAKE_BLOCK_TOKENS, k * MOONCAKE_BLOCK_TOKENS + n).join(" ");
  assert.equal(block(words[1], 0), block(words[0], 0), "hash id 46 in both");
  assert.equal(block(words[2], 0), block(words[0], 0), "hash id 46 again");
  assert.equal(block(words[0], 1), block(words[1], 1, 655 - 512), "47 cut to what 655 leaves");
  assert.notEqual(block(words[2], 1), block(words[1], 1), "48 is not 47");
  assert.notEqual(block(words[3], 0, 100), block(words[0], 0, 100), "50 is not 46");
  const again = await buildInputs(fileOptions("mooncake.jsonl", { fixedScheduleSpeedup: 2 }), DISK);
  assert.deepEqual(again, set, "seeded: the same trace gives the same prompts");
});

Deno.test("auto detection: each format by content, whatever the file name", async () => {
  for (const name of ["sharegpt.json", "sessions.jsonl", "mooncake.jsonl", "single_turn.jsonl"]) {
    const text = await Deno.readTextFile(testdata(name));
    const o = promptOptions({ inputFile: "data.txt", endpointType: "completions" });
    const auto = await buildInputs(o, textFile(text));
    const format = name.startsWith("sharegpt")
      ? "sharegpt"
      : name.startsWith("sessions")
      ? "sessions"
      : name.startsWith("mooncake")
      ? "mooncake"
      : "jsonl";
    assert.deepEqual(auto, await buildInputs({ ...o, inputFileFormat: format }, textFile(text)));
  }
});

Deno.test("bad files: a usage error naming the file, the line and the field", async () => {
  const cases: [string, PromptOptions["inputFileFormat"], string][] = [
    ['{"text": "a"}\n{"txt": "b"}\n', "jsonl", 'bad.jsonl: line 2: no "text" or "prompt"'],
    ['{"text": "a"}\n\n{"text": 5}\n', "jsonl", 'bad.jsonl: line 3: "text" must be a non-empty'],
    ['{"text": "a"}\nnot json\n', "jsonl", "bad.jsonl: line 2: not JSON"],
    ['\n\n{"text": 1\n', "auto", "bad.jsonl: line 3: not JSON"],
    ["\n  \n", "auto", "bad.jsonl: no entries"],
    ["", "auto", "bad.jsonl: no entries"],
    [
      '{"timestamp": 0, "input_length": 5}\n{"timestamp": 1, "input_length": "x"}\n',
      "auto",
      'bad.jsonl: line 2: "input_length" must be an integer >= 1, got "x"',
    ],
    ['{"input_length": 5}\n', "mooncake", 'bad.jsonl: line 1: no "timestamp"'],
    [
      '{"timestamp": 0, "input_length": 5, "hash_ids": [1, -2]}\n',
      "mooncake",
      'bad.jsonl: line 1: "hash_ids" must be a list of integers >= 0',
    ],
    ['{"session_id": "a", "turns": []}\n', "auto", 'bad.jsonl: line 1: "turns" must be'],
    [
      '{"session_id": "a", "turns": [{"text": "x"}, {"text": "y", "delay": -1}]}\n',
      "sessions",
      'bad.jsonl: line 1: turn 1: "delay" must be a number >= 0',
    ],
    [
      '{"session_id": "a", "turns": [{"text": "x"}]}\n{"session_id": "a", "turns": [{"text": "y"}]}',
      "sessions",
      'bad.jsonl: line 2: "session_id" a is used by an earlier line',
    ],
    [
      '[{"conversations": [{"from": "human"}]}]',
      "auto",
      'bad.jsonl: conversation 0 turn 0: "value"',
    ],
    ['{"conversations": []}', "sharegpt", "bad.jsonl: a ShareGPT file is a JSON list"],
    ['[{"conversations": [{"from": "human", "value": "hi"}]}]', "auto", "no conversation has"],
  ];
  for (const [text, format, message] of cases) {
    const o = promptOptions({ inputFile: "bad.jsonl", inputFileFormat: format });
    await assert.rejects(buildInputs(o, textFile(text)), (e: Error) => {
      assert.ok(isUsageError(e), e.message);
      assert.ok(e.message.includes(message), `${e.message}\nwants: ${message}`);
      return true;
    });
  }
  await assert.rejects(
    buildInputs(fileOptions("sessions.jsonl", { endpointType: "embeddings" }), DISK),
    /sessions.jsonl: multi-turn sessions need --endpoint-type chat or completions/,
  );
  await assert.rejects(
    buildInputs(promptOptions({ inputFile: "/nonexistent/x.jsonl" }), DISK),
    /--input-file \/nonexistent\/x.jsonl: cannot read it/,
  );
});
