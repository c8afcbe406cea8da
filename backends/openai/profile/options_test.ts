/**
 * The profile flags: GenAI-Perf's names and their aliases, the errors for bad values and
 * combinations, and the translation into the perf_analyzer front's RunConfig (the one engine).
 */
import assert from "node:assert/strict";
import { parseCommandLine } from "../../../core/cli/command_line.ts";
import { BUILT_IN_BACKENDS } from "../../mod.ts";
import { parseProfileArgs, type ProfileOptions } from "./options.ts";
import {
  defaultArtifactDir,
  loadRuns,
  perfAnalyzerArgs,
  withProfileSettings,
} from "./translate.ts";
import { profileHelp } from "./help.ts";
import { HELP_EXAMPLES } from "../../../core/cli/help.ts";
import type { OpenAiBackendOptions } from "../options.ts";

function parse(...argv: string[]): ProfileOptions {
  const r = parseProfileArgs(["-m", "m", ...argv]);
  assert.equal(r.action, "run");
  return r.options;
}

function fails(argv: string[], message: RegExp): void {
  assert.throws(() => parseProfileArgs(argv), message);
}

Deno.test("profile flags: GenAI-Perf's names, AIPerf/vLLM aliases, --flag=value", () => {
  const o = parse(
    "--url=127.0.0.1:9",
    "--endpoint-type",
    "completions",
    "--isl",
    "300",
    "--osl=40",
    "--num-prompts",
    "7",
    "--request-rate",
    "2.5",
    "--arrival-pattern",
    "poisson",
    "--num-requests",
    "20",
    "--num-warmup-requests",
    "3",
    "--extra-inputs",
    "temperature:0.5",
    "--extra-inputs",
    "stop:end",
    "--extra-inputs",
    '{"top_k": 4}',
    "-H",
    "x-a:b",
    "--goodput",
    "time_to_first_token:200",
    "inter_token_latency:20",
  );
  assert.equal(o.url, "127.0.0.1:9");
  assert.equal(o.endpointType, "completions");
  assert.deepEqual([o.syntheticInputTokensMean, o.outputTokensMean, o.numDatasetEntries], [
    300,
    40,
    7,
  ]);
  assert.deepEqual([o.loadMode, o.load, o.requestDistribution], [
    "request_rate",
    { kind: "range", range: { start: 2.5, end: 2.5, step: 1 }, text: "2.5" },
    "poisson",
  ]);
  assert.deepEqual([o.requestCount, o.warmupRequestCount], [20, 3]);
  // JSON values keep their type; anything else is a string.
  assert.deepEqual(o.extraInputs, { temperature: 0.5, stop: "end", top_k: 4 });
  assert.deepEqual(o.headers, ["x-a:b"]);
  assert.deepEqual(o.goodput, [
    { metric: "time_to_first_token", value: 200 },
    { metric: "inter_token_latency", value: 20 },
  ]);
  assert.deepEqual(parse("--concurrency", "1,2,4").load, { kind: "list", values: [1, 2, 4] });
  // vLLM bench serve's names for the same settings.
  const v = parse(
    "--random-input-len",
    "128",
    "--random-output-len",
    "16",
    "--seed",
    "9",
    "--num-warmups",
    "2",
    "--result-dir",
    "out",
  );
  assert.deepEqual(
    [v.syntheticInputTokensMean, v.outputTokensMean, v.randomSeed, v.warmupRequestCount],
    [128, 16, 9, 2],
  );
  assert.equal(v.artifactDir, "out");
  assert.deepEqual(parseProfileArgs(["--help"]), { action: "help" });
});

Deno.test("profile flags: bad values and combinations get a clear error", () => {
  fails([], /needs -m <model>/);
  fails(["-m", "m", "--endpoint-type", "chatt"], /--endpoint-type: must be chat \| completions/);
  fails(["-m", "m", "--concurrency", "0"], /profile Failed to parse --concurrency\. The start/);
  fails(["-m", "m", "--concurrency", "2", "--request-rate", "3"], /not both/);
  fails(
    ["-m", "m", "--request-rate", "3", "--burstiness", "2"],
    /add --request-distribution gamma/,
  );
  fails(["-m", "m", "--request-distribution", "poisson"], /needs --request-rate/);
  fails(["-m", "m", "--goodput", "ttft:3"], /--goodput: "ttft:3": the metric must be one of/);
  fails(["-m", "m", "--search", "--concurrency", "1:8:1"], /--search needs --goodput/);
  fails(
    ["-m", "m", "--search", "--goodput", "request_latency:9", "--concurrency", "4"],
    /needs a range to search/,
  );
  fails(["-m", "m", "--streaming", "--endpoint-type", "embeddings"], /never streamed/);
  fails(["-m", "m", "--fixed-schedule"], /replays an --input-file trace/);
  fails(
    ["-m", "m", "--input-file", "t.jsonl", "--fixed-schedule", "--request-rate", "4"],
    /--fixed-schedule sends at the trace's timestamps: drop --request-rate/,
  );
  fails(["-m", "m", "--service-kind", "triton"], /always speaks the openai kind/);
  fails(["-m", "m", "--concurency", "2"], /unknown flag --concurency.*--concurrency/);
  fails(["-m", "m", "--random-seed", "x"], /--random-seed: must be an integer/);
  fails(["-m", "m", "--slo-attainment", "1.5"], /must be in \(0, 1\]/);
  fails(["-m", "m", "--extra-inputs", "novalue"], /name:value or a JSON object/);
});

function configOf(o: ProfileOptions, load = loadRuns(o)[0]) {
  const argv = perfAnalyzerArgs(o, load, { inputs: "/x/inputs.json" }, {
    timestamps: false,
    sessions: false,
  });
  const cli = parseCommandLine(argv, BUILT_IN_BACKENDS);
  assert.equal(cli.action, "run");
  return withProfileSettings(cli.config, o);
}

Deno.test("translation: what the input file holds must fit the load flags", () => {
  const args = (o: ProfileOptions, shape: { timestamps: boolean; sessions: boolean }) => () =>
    perfAnalyzerArgs(o, loadRuns(o)[0], { inputs: "/x/inputs.json" }, shape);
  const trace = parse("--input-file", "t.jsonl", "--fixed-schedule");
  assert.throws(
    args(trace, { timestamps: false, sessions: false }),
    /--fixed-schedule: the input file has no timestamps to replay/,
  );
  assert.ok(args(trace, { timestamps: true, sessions: false })().includes("--fixed-schedule"));
  const sessions = { timestamps: false, sessions: true };
  assert.throws(
    args(parse("--input-file", "s.jsonl", "--request-rate", "3"), sessions),
    /multi-turn sessions play at a --concurrency/,
  );
  const played = args(parse("--input-file", "s.jsonl", "--concurrency", "3"), sessions)();
  assert.equal(played[played.indexOf("--session-concurrency") + 1], "3");
});

Deno.test("translation: the perf_analyzer front parses the same run into its RunConfig", () => {
  const o = parse(
    "-u",
    "h:1",
    "--streaming",
    "--request-rate",
    "5",
    "--request-distribution",
    "gamma",
    "--burstiness",
    "0.5",
    "--random-seed",
    "4",
    "-H",
    "x-a:b",
    "--goodput",
    "request_latency:900",
    "--measurement-interval",
    "2000",
  );
  const c = configOf(o);
  assert.equal(c.serviceKind, "openai");
  assert.equal((c.own as OpenAiBackendOptions).endpoint, "v1/chat/completions");
  assert.equal((c.own as OpenAiBackendOptions).payloadFromData, true);
  assert.deepEqual(c.inputDataPaths, ["/x/inputs.json"]);
  assert.deepEqual([c.loadMode, c.requestRate, c.requestDistribution, c.scheduleSeed], [
    "request_rate",
    { start: 5, end: 5, step: 1 },
    "gamma",
    5,
  ]);
  assert.deepEqual([c.streaming, c.url, c.headers, c.measurementIntervalMs], [
    true,
    "h:1",
    [["x-a", "b"]],
    2000,
  ]);
  // GenAI-Perf's 999 %: a level is its three windows.
  assert.equal(c.stabilityThreshold, 9.99);
  assert.equal(c.burstiness, 0.5);
  assert.deepEqual(c.goodput, [{ metric: "request_latency", value: 900 }]);
  assert.deepEqual([c.minAttainment, c.saturationGrowth, c.isolateLevels], [
    undefined,
    undefined,
    true,
  ]);
  const search = configOf(parse(
    "--concurrency",
    "1:16:2",
    "--search",
    "--slo-attainment",
    "0.9",
    "--goodput",
    "time_to_first_token:100",
  ));
  assert.deepEqual([search.loadMode, search.concurrency, search.binarySearch], [
    "concurrency",
    { start: 1, end: 16, step: 2 },
    true,
  ]);
  assert.deepEqual([search.minAttainment, search.saturationGrowth], [0.9, 0.1]);
  const list = parse("--concurrency", "2,8");
  assert.deepEqual(loadRuns(list), ["2", "8"]);
  assert.equal(configOf(list, "8").concurrency.start, 8);
  assert.equal(
    defaultArtifactDir(parse("-m", "org/m 1", "--concurrency", "2,8")),
    "artifacts/org_m_1-openai-chat-concurrency2_8",
  );
});

Deno.test("the profile example of the tool's --help parses", () => {
  const example = HELP_EXAMPLES.find(([command]) => command.startsWith("perf_analyzer profile "));
  assert.ok(example);
  assert.equal(parseProfileArgs(example[0].split(" ").slice(2)).action, "run");
});

Deno.test("profile --help lists every flag with its aliases", () => {
  const help = profileHelp();
  assert.match(help, /^Usage: perf_analyzer profile -m <model>/);
  for (
    const flag of ["--synthetic-input-tokens-mean, --isl", "--goodput", "--search, --binary-search"]
  ) {
    assert.ok(help.includes(flag), flag);
  }
  assert.ok(help.split("\n").every((l) => l.length <= 100));
});
