import assert from "node:assert/strict";
import { CliError, parseArgs } from "./cli.ts";
import { connect } from "./grpc/testing/client.ts";
import { eventually, hoard, MAIN, spawnMain } from "./testing/main_child.ts";

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
      "--max-body-bytes",
      "1024",
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
        maxBodyBytes: 1024,
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
  const child = await spawnMain([]);
  try {
    const live = await fetch(`http://${child.http}/v2/health/live`);
    await live.body?.cancel();
    assert.equal(live.status, 200);
    const client = connect(child.grpc);
    try {
      assert.deepEqual(await client.call("ServerLive", {}), { live: true });
    } finally {
      client.close();
    }
  } finally {
    assert.equal(await child.stop(), 0);
  }
});

Deno.test("main.ts honours --compute-us below the timer granularity", async () => {
  const child = await spawnMain(["--compute-us", "300"]);
  try {
    const body = JSON.stringify({
      inputs: [{ name: "INPUT0", datatype: "FP32", shape: [1, 1], data: [1] }],
    });
    const url = `http://${child.http}/v2/models/identity_fp32`;
    const runs = 40;
    for (let i = 0; i < runs; i++) {
      const res = await fetch(`${url}/infer`, { method: "POST", body });
      await res.body?.cancel();
      assert.equal(res.status, 200);
    }
    const stats = await (await fetch(`${url}/stats`)).json();
    const infer = stats.model_stats[0].inference_stats.compute_infer;
    assert.equal(infer.count, runs);
    // Never shorter than asked; a timer alone gave about 2 ms, so 1.5 ms on average still
    // tells them apart on a busy machine.
    const meanUs = infer.ns / runs / 1000;
    assert.ok(meanUs >= 300, `mean compute infer ${meanUs} us`);
    assert.ok(meanUs < 1500, `mean compute infer ${meanUs} us`);
  } finally {
    assert.equal(await child.stop(), 0);
  }
});

Deno.test("main.ts survives running out of file descriptors and serves again afterwards", async () => {
  // 128 descriptors: the runtime takes a few dozen, 300 connections take the rest.
  const child = await spawnMain([], ["sh", "-c", 'ulimit -n 128; exec "$0" "$@"']);
  try {
    assert.ok((await hoard(child.http, 300)).length > 100);
    const live = async () => {
      const res = await fetch(`http://${child.http}/v2/health/live`);
      await res.body?.cancel();
      return res.status === 200;
    };
    assert.ok(await eventually(live), "HTTP never answered again");
    assert.ok((await hoard(child.grpc, 300)).length > 100);
    const client = connect(child.grpc);
    try {
      const ready = async () => (await client.call("ServerReady", {})).ready === true;
      assert.ok(await eventually(ready), "gRPC never answered again");
    } finally {
      client.close();
    }
    assert.ok(await eventually(live), "HTTP stopped answering");
  } finally {
    assert.equal(await child.stop(), 0);
  }
});
