import assert from "node:assert/strict";
import { ParameterLog } from "./parameter_log.ts";

Deno.test("parameter log: one entry per distinct set and model, whatever the key order", () => {
  const log = new ParameterLog();
  const a = { type: "int64_param", value: 64 };
  const b = { type: "bool_param", value: true };
  log.record("m", { n: a, flag: b });
  log.record("m", { flag: b, n: a });
  log.record("m", {});
  log.record("m", { n: { type: "int64_param", value: 65 } });
  log.record("other", { n: a });
  assert.deepEqual(log.read("m"), [
    { parameters: { n: a, flag: b }, requests: 2 },
    { parameters: {}, requests: 1 },
    { parameters: { n: { type: "int64_param", value: 65 } }, requests: 1 },
  ]);
  assert.deepEqual(log.read("other"), [{ parameters: { n: a }, requests: 1 }]);
  assert.deepEqual(log.read("unseen"), []);
  // A bool and a string of the same text are different parameters.
  log.record("t", { x: { type: "string_param", value: "true" } });
  log.record("t", { x: { type: "bool_param", value: true } });
  assert.equal(log.read("t").length, 2);
});
