import assert from "node:assert/strict";
import { RequestRecord } from "../core/measure/record.ts";
import { createTritonHttp } from "../backends/triton/http.ts";
import { INFER_RESPONSE, MODEL, syntheticSpec } from "./bench_canned.ts";
import { benchBackendOptions, measureClient } from "./bench_client.ts";
import { freePort, nginxConfig, NginxServer, parseStubStatus } from "./bench_nginx.ts";
import { missingTools } from "./bench_tools.ts";

Deno.test("nginxConfig keeps every file in the temp dir and serves the four routes", () => {
  const conf = nginxConfig("/tmp/x", 41234);
  for (
    const line of [
      "listen 127.0.0.1:41234;",
      "pid /tmp/x/nginx.pid;",
      "error_log /tmp/x/error.log warn;",
    ]
  ) {
    assert.ok(conf.includes(line), line);
  }
  assert.ok(conf.includes("keepalive_requests 10000000;"));
  assert.ok(conf.includes("master_process off;") && conf.includes("daemon off;"));
  const routes = [...conf.matchAll(/location = (\S+) \{ return 200 '/g)].map((m) => m[1]);
  assert.deepEqual(routes, [
    "/v2",
    "/v2/models/simple",
    "/v2/models/simple/config",
    "/v2/models/simple/infer",
  ]);
  assert.ok(conf.includes(`return 200 '${INFER_RESPONSE}';`));
});

Deno.test("parseStubStatus reads accepts and requests", () => {
  const text = "Active connections: 3 \nserver accepts handled requests\n 17 17 4242 \n" +
    "Reading: 0 Writing: 1 Waiting: 2 \n";
  assert.deepEqual(parseStubStatus(text), { accepts: 17, requests: 4242 });
  assert.throws(() => parseStubStatus("404 Not Found"), /unexpected stub_status reply/);
});

Deno.test("freePort returns a port nothing listens on any more", async () => {
  const port = freePort();
  assert.ok(port > 0 && port < 65536);
  await assert.rejects(Deno.connect({ hostname: "127.0.0.1", port }));
});

const tools = await missingTools();

async function withNginx(fn: (nginx: NginxServer) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pa_bench_test_" });
  const nginx = await NginxServer.start(dir);
  try {
    await fn(nginx);
  } finally {
    await nginx.stop();
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test({
  name: "the triton backend describes the canned model and gets 200s on one connection",
  ignore: tools.length > 0,
  fn: () =>
    withNginx(async (nginx) => {
      const backend = createTritonHttp(benchBackendOptions(nginx.url));
      try {
        const info = await backend.describe(MODEL, "");
        assert.equal(info.maxBatchSize, 8);
        assert.deepEqual(info.inputs.map((t) => [t.name, t.datatype, t.shape]), [
          ["INPUT0", "INT32", [16]],
          ["INPUT1", "INT32", [16]],
        ]);
        assert.deepEqual(info.outputs.map((t) => t.name), ["OUTPUT0", "OUTPUT1"]);
        const prepared = backend.prepare(syntheticSpec());
        const channel = await backend.connect();
        const before = await nginx.counters();
        const rec = new RequestRecord();
        for (let i = 0; i < 5; i++) {
          rec.reset(0);
          await channel.send(prepared, rec);
          assert.equal(rec.outcome, "ok", rec.error);
          assert.equal(rec.status, 200);
        }
        const after = await nginx.counters();
        // The channel's one connection plus the second counters() call.
        assert.equal(after.accepts - before.accepts, 2);
        assert.equal(after.requests - before.requests, 6);
      } finally {
        await backend.close();
      }
    }),
});

Deno.test({
  name: "measureClient counts completions, CPU and RSS over a short window",
  ignore: tools.length > 0,
  fn: () =>
    withNginx(async (nginx) => {
      const r = await measureClient({
        url: nginx.url,
        connections: 2,
        warmupS: 0.1,
        durationS: 0.3,
      });
      assert.equal(r.failures, 0, r.firstError);
      assert.ok(r.requests > 50, `only ${r.requests} requests`);
      assert.ok(Math.abs(r.seconds - 0.3) < 0.1, `window ${r.seconds} s`);
      assert.ok(Math.abs(r.reqPerSec - r.requests / r.seconds) < 1e-6);
      assert.ok(r.cpuUsPerReq > 0 && r.cpuUsPerReq < 10_000);
      assert.ok(r.rssPeakMb >= r.rssStartMb && r.rssStartMb > 10);
    }),
});
