import assert from "node:assert/strict";
import { startServer } from "../mod.ts";

const A = Array.from({ length: 16 }, (_, i) => i);
const B = Array.from({ length: 16 }, (_, i) => 3 * i - 7);

async function withServer(fn: (base: string, truth: (m: string) => number) => Promise<void>) {
  const server = await startServer({});
  try {
    await fn(`http://${server.url}`, (m) => server.groundTruth(m).successCount);
  } finally {
    await server.close();
  }
}

async function json(res: Response): Promise<unknown> {
  assert.equal(res.headers.get("content-type"), "application/json");
  return await res.json();
}

Deno.test("torchserve routes: ping and a raw JSON body on simple, counted in ground truth", () =>
  withServer(async (base, truth) => {
    const ping = await fetch(`${base}/ping`);
    assert.equal(ping.status, 200);
    assert.deepEqual(await json(ping), { status: "Healthy" });
    const body = JSON.stringify({ INPUT0: A, INPUT1: B });
    for (const path of ["/predictions/simple", "/predictions/simple/1.0"]) {
      const res = await fetch(base + path, { method: "POST", body });
      assert.equal(res.status, 200);
      assert.deepEqual(await json(res), {
        OUTPUT0: A.map((a, i) => a + B[i]),
        OUTPUT1: A.map((a, i) => a - B[i]),
      });
    }
    assert.equal(truth("simple"), 2);
  }));

Deno.test("torchserve routes: perf_analyzer's multipart field 'data', batch from the length", () =>
  withServer(async (base, truth) => {
    const form = new FormData();
    const text = JSON.stringify({ INPUT0: [...A, ...A], INPUT1: [...B, ...B] });
    form.append("data", new Blob([text]), "input.json");
    const res = await fetch(`${base}/predictions/simple`, { method: "POST", body: form });
    assert.equal(res.status, 200);
    const out = await json(res) as { OUTPUT0: number[] };
    assert.equal(out.OUTPUT0.length, 32);
    assert.equal(truth("simple"), 1);
  }));

Deno.test("torchserve routes: errors use TorchServe's JSON shape and count failures", () =>
  withServer(async (base, truth) => {
    const cases: [string, RequestInit, number, string, RegExp][] = [
      ["/predictions/nope", { method: "POST", body: "{}" }, 404, "ModelNotFoundException", /nope/],
      [
        "/predictions/simple/2",
        { method: "POST", body: "{}" },
        404,
        "ModelVersionNotFoundException",
        /Model version: 2 does not exist for model: simple/,
      ],
      ["/predictions/simple", { method: "GET" }, 405, "MethodNotAllowedException", /not allowed/],
      ["/predictions", { method: "POST" }, 404, "ResourceNotFoundException", /not found/],
      ["/predictions/simple", { method: "POST", body: "[1" }, 400, "PredictionException", /JSON/],
      [
        "/predictions/simple",
        { method: "POST", body: JSON.stringify({ INPUT0: A.slice(0, 5), INPUT1: B }) },
        400,
        "PredictionException",
        /INPUT0.*5 elements/,
      ],
      [
        "/predictions/simple",
        { method: "POST", body: JSON.stringify({ INPUT0: A }) },
        400,
        "PredictionException",
        /missing required inputs \['INPUT1'\]/,
      ],
    ];
    for (const [path, init, code, type, message] of cases) {
      const res = await fetch(base + path, init);
      assert.equal(res.status, code, path);
      const body = await json(res) as { code: number; type: string; message: string };
      assert.equal(body.code, code);
      assert.equal(body.type, type, path);
      assert.match(body.message, message);
    }
    assert.equal(truth("simple"), 0);
  }));
