import assert from "node:assert/strict";
import { ProfileExport } from "./profile_export.ts";
import { RequestRecord } from "../measure/record.ts";
import { ExportTexts } from "../measure/export_texts.ts";
import { RunError } from "../errors.ts";

function record(sendNs: number, responses: number[], outcome: "ok" | "timeout" = "ok") {
  const r = new RequestRecord();
  r.reset(sendNs);
  r.sendStartNs = sendNs;
  for (const ns of responses) r.addResponse(ns);
  if (outcome !== "ok") r.fail(outcome, "timed out", sendNs + 5);
  return r;
}

Deno.test("profile export: exact compact layout, epoch ns beyond 2^53 printed exactly", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/export.json`;
  try {
    // The epoch ns need 19 digits, more than a float64 holds exactly (.875 ms is exact in binary).
    const out = new ProfileExport({
      path,
      serviceKind: "triton",
      originEpochMs: 1795634169339.875,
    });
    out.levelStart("concurrency", 1, 1000);
    out.record(record(124013, [709244]));
    out.record(record(900000, [1000000, 1500001]));
    out.record(record(950000, [], "timeout")); // failures are not exported
    out.windowEnd(1001249783);
    out.levelEnd();
    out.levelStart("request_rate", 20, 2000000000);
    out.windowEnd(2999999999.6);
    out.levelEnd();
    out.close();
    assert.equal(out.written, 2);
    const base = "1795634169339875000";
    const t = (ns: number) => (BigInt(base) + BigInt(ns)).toString();
    const expected = `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[` +
      `{"timestamp":${t(124013)},"response_timestamps":[${t(709244)}]},` +
      `{"timestamp":${t(900000)},"response_timestamps":[${t(1000000)},${t(1500001)}]}],` +
      `"window_boundaries":[${t(1000)},${t(1001249783)}]},` +
      `{"experiment":{"mode":"request_rate","value":20.0},"requests":[],` +
      `"window_boundaries":[${t(2000000000)},${t(3000000000)}]}],` +
      `"version":"0.1.0","service_kind":"triton","endpoint":""}`;
    assert.equal(Deno.readTextFileSync(path), expected);
    const parsed = JSON.parse(expected);
    assert.deepEqual(Object.keys(parsed), ["experiments", "version", "service_kind", "endpoint"]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("profile export: flushes as it goes, so a long level never holds its requests", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/big.json`;
  try {
    const out = new ProfileExport({ path, serviceKind: "triton", originEpochMs: 0 });
    out.levelStart("concurrency", 4, 0);
    const r = record(0, []);
    const n = 20000;
    for (let i = 1; i <= n; i++) {
      r.reset(i * 1000);
      r.sendStartNs = i * 1000;
      r.addResponse(i * 1000 + 500);
      out.record(r);
    }
    // Before close, most bytes are already on disk (the buffer is 256 KiB).
    assert.ok(Deno.statSync(path).size > 500_000, `${Deno.statSync(path).size} bytes`);
    out.windowEnd(n * 1000 + 1000);
    out.levelEnd();
    out.close();
    const json = JSON.parse(Deno.readTextFileSync(path));
    const reqs = json.experiments[0].requests;
    assert.equal(reqs.length, n);
    assert.deepEqual(reqs[0], { timestamp: 1000, response_timestamps: [1500] });
    assert.deepEqual(reqs[n - 1], { timestamp: n * 1000, response_timestamps: [n * 1000 + 500] });
    for (let i = 1; i < n; i++) assert.ok(reqs[i].timestamp > reqs[i - 1].timestamp);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("profile export: writes every response of a stream, 100 timestamps exactly", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/stream.json`;
  try {
    const out = new ProfileExport({
      path,
      serviceKind: "triton",
      originEpochMs: 1795634169339.875,
    });
    out.levelStart("concurrency", 1, 0);
    // 100 tokens 250 ns apart, the last ones past a second boundary of the epoch.
    const responses = Array.from({ length: 100 }, (_, i) => 999_990_000 + i * 250);
    out.record(record(999_000_000, responses));
    out.record(record(1_100_000_000, [1_100_000_500]));
    out.windowEnd(1_200_000_000);
    out.levelEnd();
    out.close();
    const t = (ns: number) => (BigInt("1795634169339875000") + BigInt(ns)).toString();
    const expected = `{"experiments":[{"experiment":{"mode":"concurrency","value":1},"requests":[` +
      `{"timestamp":${t(999_000_000)},"response_timestamps":[${responses.map(t).join(",")}]},` +
      `{"timestamp":${t(1_100_000_000)},"response_timestamps":[${t(1_100_000_500)}]}],` +
      `"window_boundaries":[${t(0)},${t(1_200_000_000)}]}],` +
      `"version":"0.1.0","service_kind":"triton","endpoint":""}`;
    assert.equal(Deno.readTextFileSync(path), expected);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("profile export: a stream longer than the buffer is flushed part way, in order", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/long.json`;
  try {
    // Monotonic 0 is second 1e9 of the epoch, so every timestamp has 19 digits.
    const out = new ProfileExport({ path, serviceKind: "triton", originEpochMs: 1e12 });
    out.levelStart("concurrency", 1, 0);
    // 30,000 timestamps of 20 bytes are ~600 KB: the 256 KiB buffer flushes twice mid-record.
    const responses = Array.from({ length: 30_000 }, (_, i) => 1_000_000 + i * 4096);
    out.record(record(500_000, responses));
    out.record(record(2e9, [2e9 + 7]));
    out.windowEnd(3e9);
    out.levelEnd();
    out.close();
    const text = Deno.readTextFileSync(path);
    const epoch = (ns: number) => (10n ** 18n + BigInt(ns)).toString();
    // 19-digit values exceed 2^53: compare the digits, not parsed floats.
    const start = text.indexOf('"response_timestamps":[') + '"response_timestamps":['.length;
    const stamps = text.slice(start, text.indexOf("]", start)).split(",");
    assert.equal(stamps.length, 30_000);
    stamps.forEach((s, i) => assert.equal(s, epoch(responses[i]), `response ${i}`));
    assert.ok(text.startsWith(
      `{"experiments":[{"experiment":{"mode":"concurrency","value":1},` +
        `"requests":[{"timestamp":${epoch(500_000)},"response_timestamps":[`,
    ));
    assert.ok(
      text.endsWith(
        `{"timestamp":${epoch(2e9)},"response_timestamps":[${epoch(2e9 + 7)}]}],` +
          `"window_boundaries":[${epoch(0)},${epoch(3e9)}]}],` +
          `"version":"0.1.0","service_kind":"triton","endpoint":""}`,
      ),
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("profile export: refuses an existing file, names it and the fix", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/exists.json`;
  try {
    Deno.writeTextFileSync(path, "keep me");
    assert.throws(
      () => new ProfileExport({ path, serviceKind: "triton" }),
      (e: unknown) =>
        e instanceof RunError && e.message.includes(path) &&
        /already exists; remove it/.test(e.message),
    );
    assert.equal(Deno.readTextFileSync(path), "keep me");
    assert.throws(
      () => new ProfileExport({ path: `${dir}/no/such/dir.json`, serviceKind: "triton" }),
      RunError,
    );
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});

Deno.test("profile export: request_inputs and response_outputs from the channel's texts, endpoint", () => {
  const dir = Deno.makeTempDirSync();
  const path = `${dir}/texts.json`;
  try {
    const out = new ProfileExport({
      path,
      serviceKind: "plugin-kind",
      endpoint: "v1/chat/completions",
      originEpochMs: 0,
    });
    out.levelStart("concurrency", 1, 0);
    const texts = new ExportTexts();
    const payload = JSON.stringify({ payload: '{"messages":[{"content":"naïve 東京 😀"}]}' });
    // Longer than the 256 KiB buffer: written through it in pieces.
    const long = "x".repeat(300_000);
    const outputs = [
      JSON.stringify({ response: 'data: {"a":"naïve 😀"}\n\n' }),
      JSON.stringify({ response: long }),
      JSON.stringify({ response: "data: [DONE]\n\n" }),
    ];
    const r = record(1000, [2000, 3000, 4000]);
    texts.begin(new TextEncoder().encode(payload));
    for (const o of outputs) texts.add(o);
    r.exportTexts = texts;
    out.record(r);
    // The same texts object, reused for a shorter request: only its own entries are written.
    const r2 = record(5000, [6000]);
    texts.begin(new TextEncoder().encode(payload));
    texts.add(outputs[0]);
    r2.exportTexts = texts;
    out.record(r2);
    out.record(record(7000, [8000])); // a record without texts keeps the plain layout
    out.windowEnd(9000);
    out.levelEnd();
    out.close();
    const json = JSON.parse(Deno.readTextFileSync(path));
    assert.equal(json.service_kind, "plugin-kind");
    assert.equal(json.endpoint, "v1/chat/completions");
    const [a, b, c] = json.experiments[0].requests;
    assert.deepEqual(Object.keys(a), [
      "timestamp",
      "request_inputs",
      "response_timestamps",
      "response_outputs",
    ]);
    assert.deepEqual(a.request_inputs, JSON.parse(payload));
    assert.deepEqual(a.response_timestamps, [2000, 3000, 4000]);
    assert.deepEqual(a.response_outputs, outputs.map((o) => JSON.parse(o)));
    assert.deepEqual(b.response_outputs, [JSON.parse(outputs[0])]);
    assert.deepEqual(c, { timestamp: 7000, response_timestamps: [8000] });
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
