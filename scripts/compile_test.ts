import assert from "node:assert/strict";
import { compileBlocker } from "./compile.ts";

const env = (vars: Record<string, string>) => ({ get: (n: string) => vars[n] });
const never = () => Promise.reject(new Error("must not probe the network"));

Deno.test("compile: a DENORT_BIN that is a file is used without probing the network", async () => {
  const file = await Deno.makeTempFile();
  try {
    assert.equal(await compileBlocker(env({ DENORT_BIN: file }), never), undefined);
  } finally {
    await Deno.remove(file);
  }
});

Deno.test("compile: a bad DENORT_BIN or an unreachable host is a clear message", async () => {
  const bad = await compileBlocker(env({ DENORT_BIN: "/no/such/denort" }), never);
  assert.match(bad!, /DENORT_BIN is set to '\/no\/such\/denort', which is not a file/);
  const offline = await compileBlocker(env({}), () => Promise.resolve(false));
  assert.match(offline!, /dl\.deno\.land.*unreachable.*DENORT_BIN.*deno task bundle/s);
  assert.equal(await compileBlocker(env({}), () => Promise.resolve(true)), undefined);
});
