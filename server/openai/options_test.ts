import assert from "node:assert/strict";
import { CliError, parseArgs } from "../cli.ts";
import { resolveOpenAi } from "./options.ts";

Deno.test("resolveOpenAi fills defaults and names the bad option", () => {
  assert.deepEqual(resolveOpenAi(), {
    model: "mock-llm",
    seed: 1,
    ttftUs: 0,
    itlUs: 0,
    outputTokens: 16,
    eosAfter: undefined,
    stopAfter: undefined,
    slots: 64,
    tokensPerEvent: 1,
    roleChunk: "immediate",
    reasoningTokens: 0,
    finishOnLast: false,
    usage: "request",
    splitProbability: 0,
    eventsPerWrite: 1,
    crlf: false,
    unicodeTokens: false,
    faults: [0, 0, 0, 0, 0, 0],
    faultAfterEvents: 1,
    embeddingDims: 8,
    truth: true,
    truthEvents: "every",
    usageOffset: 0,
  });
  assert.throws(() => resolveOpenAi({ usageOffset: 0.5 }), /openai.usageOffset 0.5/);
  assert.throws(() => resolveOpenAi({ slots: 0 }), /openai.slots 0/);
  assert.throws(() => resolveOpenAi({ stopAfter: 0 }), /openai.stopAfter 0/);
  assert.throws(() => resolveOpenAi({ tokensPerEvent: 1.5 }), /openai.tokensPerEvent 1.5/);
  assert.throws(() => resolveOpenAi({ splitProbability: 2 }), /openai.splitProbability 2/);
  assert.throws(() => resolveOpenAi({ truthEvents: "some" as "first" }), /openai.truthEvents some/);
  assert.throws(
    () => resolveOpenAi({ itlUs: { kind: "normal", meanUs: -1, stdUs: 0 } }),
    /normal openai.itlUs -1:0/,
  );
  assert.throws(() => resolveOpenAi({ faults: { "503": 0.7, error: 0.5 } }), /add up to more/);
  assert.throws(
    () => resolveOpenAi({ faults: { "404": 0.1 } as Record<string, number> }),
    /faults key 404/,
  );
  assert.deepEqual(resolveOpenAi({ faults: { "429": 0.25, abort: 0.5 } }).faults, [
    0.25,
    0,
    0,
    0,
    0,
    0.5,
  ]);
});

Deno.test("parseArgs reads every --openai-* flag", () => {
  assert.deepEqual(
    parseArgs([
      "--openai-model=llama",
      "--openai-seed",
      "7",
      "--openai-ttft-us",
      "lognormal:20000:5000",
      "--openai-itl-us=normal:800:100",
      "--openai-output-tokens=64",
      "--openai-eos-after=10",
      "--openai-slots=8",
      "--openai-tokens-per-event=3",
      "--openai-role-chunk=first",
      "--openai-reasoning-tokens=4",
      "--openai-finish-on-last",
      "--openai-usage=continuous",
      "--openai-split=0.25",
      "--openai-events-per-write=2",
      "--openai-crlf",
      "--openai-unicode",
      "--openai-fault=503:0.1",
      "--openai-fault",
      "error:0.05",
      "--openai-fault-after=3",
      "--openai-embedding-dims=16",
      "--openai-no-truth",
      "--openai-usage-offset=-2",
    ]),
    {
      kind: "run",
      options: {
        openai: {
          model: "llama",
          seed: 7,
          ttftUs: { kind: "lognormal", meanUs: 20000, stdUs: 5000 },
          itlUs: { kind: "normal", meanUs: 800, stdUs: 100 },
          outputTokens: 64,
          eosAfter: 10,
          slots: 8,
          tokensPerEvent: 3,
          roleChunk: "first",
          reasoningTokens: 4,
          finishOnLast: true,
          usage: "continuous",
          splitProbability: 0.25,
          eventsPerWrite: 2,
          crlf: true,
          unicodeTokens: true,
          faults: { "503": 0.1, error: 0.05 },
          faultAfterEvents: 3,
          embeddingDims: 16,
          truth: false,
          usageOffset: -2,
        },
      },
    },
  );
});

Deno.test("parseArgs rejects bad --openai-* values with one line naming the flag", () => {
  const cases: [string[], string][] = [
    [["--openai-slots=0"], 'invalid value "0" for --openai-slots: expected an integer >= 1'],
    [
      ["--openai-split=1.5"],
      'invalid value "1.5" for --openai-split: expected a probability in 0..1',
    ],
    [
      ["--openai-usage=always"],
      'invalid value "always" for --openai-usage: expected request | none | final | continuous',
    ],
    [
      ["--openai-fault=404:0.5"],
      'invalid value "404:0.5" for --openai-fault: expected KIND:P with KIND 429 | 500 | 503 | ' +
      "error | truncate | abort",
    ],
    [
      ["--openai-ttft-us=normal:5"],
      'invalid value "normal:5" for --openai-ttft-us: expected microseconds >= 0, uniform:MIN:MAX, ' +
      "exponential:MEAN, normal:MEAN:STD or lognormal:MEAN:STD",
    ],
    [
      ["--openai-usage-offset=1.5"],
      'invalid value "1.5" for --openai-usage-offset: expected an integer',
    ],
    [["--openai-bogus=1"], 'unknown option "--openai-bogus=1" (see --help)'],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseArgs(args), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.message, message);
      return true;
    });
  }
});
