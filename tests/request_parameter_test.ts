/**
 * --request-parameter end to end: Triton over gRPC sends every parameter as an InferParameter of
 * its type on every request, over HTTP as a member of the JSON "parameters" object (the reference
 * server records what each model received), the openai
 * kind sets them as top-level body fields over the payload's (the mock's reply length shows
 * max_tokens and ignore_eos arrived), and every other kind or protocol refuses the flag.
 */
import assert from "node:assert/strict";
import { OPENAI_CHAT, runCli, usageError, withServer, withTempDir } from "./cli_harness.ts";
import { parseCommandLine } from "../core/cli/command_line.ts";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";

const GRPC = ["-m", "simple", "-i", "grpc"];

Deno.test("--request-parameter values are parsed by type; a name given again keeps its last value", () => {
  const r = parseCommandLine([
    ...GRPC,
    "--request-parameter",
    "flag:TRUE:bool",
    "--request-parameter",
    "n:-12:int",
    "--request-parameter",
    "url:http://h:1/x:string",
    "--request-parameter",
    "flag:false:Bool",
    "--request-parameter",
    "empty::string",
  ], BUILT_IN_BACKENDS);
  assert.equal(r.action, "run");
  if (r.action !== "run") return;
  assert.deepEqual(r.config.requestParameters, [
    { name: "n", value: -12 },
    { name: "url", value: "http://h:1/x" },
    { name: "flag", value: false },
    { name: "empty", value: "" },
  ]);
});

Deno.test("--request-parameter: bad syntax, type or value is a usage error naming the value", () => {
  const bad = (value: string) => usageError([...GRPC, "--request-parameter", value]);
  assert.equal(
    bad("max_tokens:64"),
    'Failed to parse --request-parameter. The value does not match <name:value:type>. Got "max_tokens:64".',
  );
  assert.equal(
    bad(":1:int"),
    'Failed to parse --request-parameter. The parameter name is empty. Got ":1:int".',
  );
  assert.equal(
    bad("a:1:float"),
    'Failed to parse --request-parameter. The type must be bool, int, string, not "float". Got "a:1:float".',
  );
  assert.equal(
    bad("a:yes:bool"),
    'Failed to parse --request-parameter. A bool value must be true or false, not "yes". Got "a:yes:bool".',
  );
  assert.equal(
    bad("a:1.5:int"),
    'Failed to parse --request-parameter (int value of "a"). The value must be an integer. Got "1.5".',
  );
});

Deno.test("--request-parameter is refused where it cannot be sent, naming where it can", () => {
  const where = "it is supported with --service-kind triton or --service-kind openai.";
  assert.match(
    usageError(["-m", "simple", "--request-parameter", "binary_data_output:true:bool"]),
    /^--request-parameter binary_data_output is set by this tool over HTTP/,
  );
  assert.equal(
    usageError([
      "-m",
      "m",
      "--service-kind",
      "tfserving",
      "-i",
      "grpc",
      "--request-parameter",
      "a:1:int",
    ]),
    `--request-parameter is not supported with --service-kind tfserving -i grpc; ${where}`,
  );
  assert.match(
    usageError([...GRPC, "--request-parameter", "sequence_id:4:int"]),
    /^--request-parameter sequence_id is set by perf_analyzer itself/,
  );
  assert.match(
    usageError([...GRPC, "--request-parameter", "triton_x:true:bool"]),
    /^--request-parameter triton_x: names starting with "triton_" are reserved/,
  );
});

Deno.test("triton gRPC: every request, unary and streamed, carries each parameter with its type", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    const params = [
      "--request-parameter",
      "max_tokens:64:int",
      "--request-parameter",
      "ignore_eos:true:bool",
      "--request-parameter",
      "tag:Run-7:string",
    ];
    const unary = await runCli([
      ...GRPC,
      "-u",
      server.grpcUrl!,
      "--request-count",
      "30",
      ...params,
    ]);
    assert.equal(unary.code, 0, unary.stderr);
    const streamed = await runCli([
      ...GRPC,
      "-u",
      server.grpcUrl!,
      "--streaming",
      "--concurrency-range",
      "2",
      "--request-count",
      "20",
      ...params,
    ]);
    assert.equal(streamed.code, 0, streamed.stderr);
    const truth = await server.groundTruth("simple");
    assert.deepEqual(await server.requestParameters("simple"), [{
      parameters: {
        max_tokens: { type: "int64_param", value: 64 },
        ignore_eos: { type: "bool_param", value: true },
        tag: { type: "string_param", value: "Run-7" },
      },
      requests: truth.successCount,
    }]);
    assert.ok(truth.successCount >= 50, `${truth.successCount} requests`);
  });
});

Deno.test("triton HTTP: binary and JSON requests carry each parameter with its JSON type", async () => {
  await withServer({}, async (server) => {
    const params = [
      "--request-parameter",
      "max_tokens:64:int",
      "--request-parameter",
      "ignore_eos:true:bool",
      "--request-parameter",
      "tag:Run-7:string",
    ];
    const base = ["-m", "simple", "-u", server.url, "--request-count", "15", ...params];
    for (
      const format of [[], ["--input-tensor-format", "json", "--output-tensor-format", "json"]]
    ) {
      const r = await runCli([...base, ...format]);
      assert.equal(r.code, 0, r.stderr);
    }
    // Sequence requests put their own keys first in the same object.
    const seq = await runCli([
      "-m",
      "simple_sequence",
      "-u",
      server.url,
      "--request-count",
      "10",
      ...params,
    ]);
    assert.equal(seq.code, 0, seq.stderr);
    const expected = {
      max_tokens: { type: "number", value: 64 },
      ignore_eos: { type: "boolean", value: true },
      tag: { type: "string", value: "Run-7" },
    };
    const simple = await server.groundTruth("simple");
    assert.deepEqual(await server.requestParameters("simple"), [{
      parameters: expected,
      requests: simple.successCount,
    }]);
    assert.ok(simple.successCount >= 30, `${simple.successCount} requests`);
    const sequence = await server.groundTruth("simple_sequence");
    assert.deepEqual(await server.requestParameters("simple_sequence"), [{
      parameters: expected,
      requests: sequence.successCount,
    }]);
  });
});

Deno.test("openai: parameters become top-level body fields over the payload's own", async () => {
  // eosAfter 3: without ignore_eos the mock stops after 3 tokens; the payload asks for 40.
  await withServer({ openai: { eosAfter: 3, outputTokens: 99 } }, async (server) => {
    await withTempDir("request_parameter_", async (dir) => {
      const data = `${dir}/data.json`;
      const body = { messages: [{ role: "user", content: "hi" }], max_tokens: 40 };
      await Deno.writeTextFile(data, JSON.stringify({ data: [{ payload: [body] }] }));
      const args = [
        ...OPENAI_CHAT,
        "-u",
        server.url,
        "--input-data",
        data,
        "--streaming",
        "--request-count",
        "6",
      ];
      const plain = await runCli(args);
      assert.equal(plain.code, 0, plain.stderr);
      const before = await server.openaiTruth(true);
      assert.deepEqual(before.map((t) => t.completionTokens), [3, 3, 3, 3, 3, 3]);
      const r = await runCli([
        ...args,
        "--request-parameter",
        "max_tokens:7:int",
        "--request-parameter",
        "ignore_eos:true:bool",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const truth = await server.openaiTruth(true);
      assert.equal(truth.length, 6);
      for (const t of truth) {
        assert.equal(t.completionTokens, 7);
        assert.equal(t.finishReason, "length");
      }
    });
  });
});
