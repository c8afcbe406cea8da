import assert from "node:assert/strict";
import { CliError, parseArgs } from "./cli.ts";
import { connect } from "./grpc/testing/client.ts";

Deno.test("parseArgs reads every flag, both --flag value and --flag=value", () => {
  assert.deepEqual(
    parseArgs([
      "--host",
      "::1",
      "--http-port=8000",
      "--compute-us",
      "uniform:100:300",
      "--instances",
      "4",
      "--grpc-port",
      "0",
      "--tfserving-port=8500",
      "--metrics-port=9102",
      "--no-config",
      "--no-stats",
    ]),
    {
      kind: "run",
      options: {
        host: "::1",
        httpPort: 8000,
        computeUs: { kind: "uniform", minUs: 100, maxUs: 300 },
        instances: 4,
        grpcPort: 0,
        tfservingPort: 8500,
        metricsPort: 9102,
        noConfig: true,
        noStats: true,
      },
    },
  );
  assert.deepEqual(parseArgs(["--compute-us=exponential:50"]), {
    kind: "run",
    options: { computeUs: { kind: "exponential", meanUs: 50 } },
  });
  assert.deepEqual(parseArgs(["--compute-us", "2.5", "--help"]), { kind: "help" });
});

Deno.test("parseArgs rejects bad values with one line naming flag, value and expectation", () => {
  const cases: [string[], string][] = [
    [["--instances", "0"], 'invalid value "0" for --instances: expected an integer >= 1'],
    [["--http-port", "x"], 'invalid value "x" for --http-port: expected an integer in 0..65535'],
    [["--grpc-port=-1"], 'invalid value "-1" for --grpc-port: expected an integer in 0..65535'],
    [
      ["--compute-us", "-5"],
      'invalid value "-5" for --compute-us: expected microseconds >= 0, uniform:MIN:MAX, ' +
      "exponential:MEAN, normal:MEAN:STD or lognormal:MEAN:STD",
    ],
    [["--bogus"], 'unknown option "--bogus" (see --help)'],
    [["--instances"], "missing value for --instances (see --help)"],
  ];
  for (const [args, message] of cases) {
    assert.throws(() => parseArgs(args), (e: unknown) => {
      assert.ok(e instanceof CliError);
      assert.equal(e.message, message);
      return true;
    });
  }
});

const MAIN = new URL("./main.ts", import.meta.url).pathname;

Deno.test("main.ts exits 99 on a bad flag with a one-line error", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", MAIN, "--instances", "many"],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 99);
  assert.equal(
    new TextDecoder().decode(out.stderr),
    'reference server: invalid value "many" for --instances: expected an integer >= 1\n',
  );
});

Deno.test("main.ts prints its addresses, serves, and closes cleanly on SIGTERM", async () => {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", MAIN, "--http-port", "0", "--grpc-port", "0"],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  // Never let a stuck child outlive the test.
  const guard = setTimeout(() => child.kill("SIGKILL"), 20_000);
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    for (let i = 0; i < 100 && text.split("\n").length < 4; i++) {
      const { value, done } = await reader.read();
      if (done) break;
      text += value;
    }
    const m =
      /^reference server: KServe v2 HTTP on http:\/\/(127\.0\.0\.1:\d+) \(models: simple, simple_string, simple_cached, identity_fp32, repeat_int32, simple_sequence, simple_sequence_string, echo_all, identity_int32, simple_ensemble, simple_bls\)\nreference server: OpenAI mock on http:\/\/127\.0\.0\.1:\d+\/v1 \(model: mock-llm\)\nreference server: Triton gRPC on (127\.0\.0\.1:\d+)\n$/
        .exec(text);
    assert.ok(m, text);
    const live = await fetch(`http://${m[1]}/v2/health/live`);
    await live.body?.cancel();
    assert.equal(live.status, 200);
    const client = connect(m[2]);
    try {
      assert.deepEqual(await client.call("ServerLive", {}), { live: true });
    } finally {
      client.close();
    }
    child.kill("SIGTERM");
    for (let i = 0; i < 100; i++) if ((await reader.read()).done) break;
    const status = await child.status;
    assert.equal(status.code, 0);
  } finally {
    clearTimeout(guard);
  }
});
