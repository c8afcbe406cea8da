import assert from "node:assert/strict";
import type { RequestSpec } from "../backend.ts";
import { defaultConfig } from "../cli/config.ts";
import { RequestRecord } from "../measure/record.ts";
import { runData } from "./run_data.ts";
import { FakeBackend } from "../testing/fake_backend.ts";

async function firstSpec(modelVersion: string): Promise<RequestSpec> {
  const backend = new FakeBackend();
  const model = await backend.describe("m");
  const config = { ...defaultConfig(), modelName: "m", modelVersion };
  const data = await runData(model, config, backend);
  return data.source.next(-1, new RequestRecord()) as RequestSpec;
}

Deno.test("runData names no version unless -x asked for one, like perf_analyzer", async () => {
  // The model metadata reports version "1"; the request must still leave the choice to the
  // server's version policy (a server without /versions/1 routes answered 404 before).
  const spec = await firstSpec("");
  assert.equal(spec.version, "");
  assert.ok(spec.inputs.length > 0);
});

Deno.test("runData sends the version -x names", async () => {
  assert.equal((await firstSpec("3")).version, "3");
});
