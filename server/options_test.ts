import assert from "node:assert/strict";
import { isZeroCompute, resolveOptions, sampleComputeUs } from "./options.ts";
import { resolveOpenAi } from "./openai/options.ts";

Deno.test("resolveOptions fills defaults and names the bad option", () => {
  assert.deepEqual(resolveOptions(), {
    host: "127.0.0.1",
    httpPort: 0,
    grpcPort: undefined,
    tfservingPort: undefined,
    metricsPort: undefined,
    computeUs: 0,
    instances: 1,
    noConfig: false,
    noStats: false,
    stall: undefined,
    tls: undefined,
    openai: resolveOpenAi(),
    maxBodyBytes: 64 << 20,
  });
  assert.throws(() => resolveOptions({ maxBodyBytes: 0 }), /maxBodyBytes 0/);
  assert.throws(() => resolveOptions({ stall: { everyMs: 100, forMs: 100 } }), /Invalid stall/);
  assert.throws(() => resolveOptions({ httpPort: 70000 }), /httpPort 70000/);
  assert.throws(() => resolveOptions({ grpcPort: -1 }), /grpcPort -1/);
  assert.equal(resolveOptions({ grpcPort: 0 }).grpcPort, 0);
  assert.throws(() => resolveOptions({ tfservingPort: 65536 }), /tfservingPort 65536/);
  assert.equal(resolveOptions({ tfservingPort: 0 }).tfservingPort, 0);
  assert.throws(() => resolveOptions({ metricsPort: 1.5 }), /metricsPort 1.5/);
  assert.equal(resolveOptions({ metricsPort: 0 }).metricsPort, 0);
  assert.throws(() => resolveOptions({ instances: 0 }), /instances 0/);
  assert.throws(() => resolveOptions({ computeUs: Number.NaN }), /computeUs NaN/);
  assert.throws(
    () => resolveOptions({ computeUs: { kind: "exponential", meanUs: -3 } }),
    /exponential computeUs mean -3/,
  );
});

Deno.test("sampleComputeUs draws fixed, uniform and exponential durations", () => {
  assert.equal(sampleComputeUs(250), 250);
  const uniform = { kind: "uniform", minUs: 100, maxUs: 300 } as const;
  assert.equal(sampleComputeUs(uniform, () => 0), 100);
  assert.equal(sampleComputeUs(uniform, () => 0.5), 200);
  const exp = { kind: "exponential", meanUs: 400 } as const;
  // 1 - U = e^-1 gives exactly one mean.
  assert.ok(Math.abs(sampleComputeUs(exp, () => 1 - Math.exp(-1)) - 400) < 1e-9);
  assert.equal(sampleComputeUs(exp, () => 0), 0);
  assert.equal(isZeroCompute(0), true);
  assert.equal(isZeroCompute(exp), false);
  assert.equal(isZeroCompute({ kind: "uniform", minUs: 0, maxUs: 0 }), true);
});

Deno.test("sampleComputeUs draws normal (cut at 0) and lognormal with the asked mean and spread", () => {
  const normal = { kind: "normal", meanUs: 100, stdUs: 20 } as const;
  // U1 = 1 - e^-2 gives sqrt(-2 ln(1 - U1)) = 2; U2 = 0 gives cos 0 = 1: two standard deviations.
  const twoSigma = [1 - Math.exp(-2), 0];
  const draw = (us: number[]) => () => us.shift()!;
  assert.ok(Math.abs(sampleComputeUs(normal, draw([...twoSigma])) - 140) < 1e-9);
  assert.equal(sampleComputeUs({ ...normal, meanUs: 10 }, draw([1 - Math.exp(-2), 0.5])), 0);
  const lognormal = { kind: "lognormal", meanUs: 100, stdUs: 50 } as const;
  let state = 7;
  const lcg = () => (state = (state * 48271) % 2147483647) / 2147483647;
  const xs = Array.from({ length: 20000 }, () => sampleComputeUs(lognormal, lcg));
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
  assert.ok(Math.abs(mean - 100) < 2, `mean ${mean}`);
  assert.ok(Math.abs(std - 50) < 3, `std ${std}`);
  assert.ok(xs.every((x) => x > 0));
  assert.equal(isZeroCompute({ kind: "normal", meanUs: 0, stdUs: 0 }), true);
  assert.equal(isZeroCompute({ kind: "lognormal", meanUs: 0, stdUs: 0 }), true);
  assert.throws(
    () => resolveOptions({ computeUs: { kind: "lognormal", meanUs: 0, stdUs: 5 } }),
    /Invalid lognormal computeUs 0:5/,
  );
});
