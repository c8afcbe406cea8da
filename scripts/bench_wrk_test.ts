import assert from "node:assert/strict";
import { MODEL } from "./bench_canned.ts";
import { NginxServer } from "./bench_nginx.ts";
import { missingTools } from "./bench_tools.ts";
import { luaString, parseWrkOutput, runWrk, splitRequest, wrkScript } from "./bench_wrk.ts";

const enc = new TextEncoder();

function requestBytes(body: Uint8Array): Uint8Array {
  const head = enc.encode(
    "POST /v2/models/simple/infer HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n" +
      "Content-Type: application/octet-stream\r\nContent-Length: " + body.length + "\r\n" +
      "Inference-Header-Content-Length: 2\r\nConnection: keep-alive\r\n\r\n",
  );
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

Deno.test("splitRequest separates request line, headers and binary body", () => {
  const body = new Uint8Array([123, 125, 0, 13, 10, 13, 10, 255]);
  const parts = splitRequest(requestBytes(body));
  assert.equal(parts.method, "POST");
  assert.equal(parts.path, "/v2/models/simple/infer");
  assert.deepEqual(parts.headers, [
    ["Host", "127.0.0.1:8000"],
    ["Content-Type", "application/octet-stream"],
    ["Content-Length", "8"],
    ["Inference-Header-Content-Length", "2"],
    ["Connection", "keep-alive"],
  ]);
  // The body's own CRLFCRLF must not be mistaken for the end of the head.
  assert.deepEqual([...parts.body], [...body]);
  assert.throws(() => splitRequest(enc.encode("POST / HTTP/1.1\r\n")), /no header terminator/);
});

Deno.test("luaString escapes quotes, backslashes and every non-printable byte", () => {
  assert.equal(luaString(enc.encode('a"b\\c')), '"a\\034b\\092c"');
  // Always three digits, so a following digit cannot extend the escape.
  assert.equal(luaString(new Uint8Array([0, 49, 10, 200])), '"\\0001\\010\\200"');
});

Deno.test("wrkScript sends our headers but leaves Host and Content-Length to wrk", () => {
  const script = wrkScript(splitRequest(requestBytes(new Uint8Array([1]))));
  assert.match(script, /^wrk\.method = "POST"$/m);
  assert.match(script, /^wrk\.path = "\/v2\/models\/simple\/infer"$/m);
  assert.match(script, /^wrk\.headers\["Inference-Header-Content-Length"\] = "2"$/m);
  assert.match(script, /^wrk\.body = "\\001"$/m);
  assert.doesNotMatch(script, /\["Host"\]|\["Content-Length"\]/);
});

const WRK_SUMMARY = `Running 10s test @ http://127.0.0.1:40000/v2/models/simple/infer
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   511.29us  200.12us   9.81ms   80.00%
    Req/Sec    62.10k     3.01k   70.00k    70.50%
  1235712 requests in 10.10s, 564.29MB read
  Socket errors: connect 0, read 2, write 1, timeout 0
  Non-2xx or 3xx responses: 7
Requests/sec: 122347.72
Transfer/sec:     55.87MB
`;
const TIMES = "0m0.001s 0m0.002s\n1m4.120s 0m3.500s\n";

Deno.test("parseWrkOutput reads totals, rate, errors and the children's CPU", () => {
  const r = parseWrkOutput(WRK_SUMMARY + TIMES);
  assert.equal(r.requests, 1235712);
  assert.equal(r.seconds, 10.1);
  assert.equal(r.reqPerSec, 122347.72);
  assert.equal(r.socketErrors, 3);
  assert.equal(r.non2xx, 7);
  assert.ok(Math.abs(r.cpuSeconds - 67.62) < 1e-9, String(r.cpuSeconds));
  // Without `times` lines CPU is unknown rather than wrong.
  assert.ok(Number.isNaN(parseWrkOutput(WRK_SUMMARY).cpuSeconds));
  assert.throws(() => parseWrkOutput("unable to connect"), /could not read wrk's summary/);
});

Deno.test("parseWrkOutput converts wrk's duration units", () => {
  const ms = WRK_SUMMARY.replace("in 10.10s", "in 900.00ms").replace(/ +(Socket|Non-2xx).*\n/g, "");
  const r = parseWrkOutput(ms);
  assert.ok(Math.abs(r.seconds - 0.9) < 1e-12, String(r.seconds));
  assert.equal(r.socketErrors, 0);
  assert.equal(r.non2xx, 0);
});

const tools = await missingTools();

Deno.test({
  name: "wrk's script gets only 200s from the canned nginx, on kept-alive connections",
  ignore: tools.length > 0,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "pa_bench_test_" });
    const nginx = await NginxServer.start(dir);
    try {
      const scriptPath = `${dir}/post.lua`;
      const body = enc.encode('{"inputs":[]}');
      await Deno.writeTextFile(scriptPath, wrkScript(splitRequest(requestBytes(body))));
      const before = await nginx.counters();
      const url = `http://${nginx.url}/v2/models/${MODEL}/infer`;
      const r = await runWrk({ url, connections: 2, threads: 1, durationS: 1, scriptPath });
      const after = await nginx.counters();
      assert.ok(r.requests > 100, `only ${r.requests} requests`);
      assert.equal(r.non2xx, 0);
      assert.equal(r.socketErrors, 0);
      assert.ok(r.cpuSeconds > 0);
      // 2 connections, wrk's probe connection, and our second counters() call.
      assert.equal(after.accepts - before.accepts, 4);
    } finally {
      await nginx.stop();
      await Deno.remove(dir, { recursive: true });
    }
  },
});
