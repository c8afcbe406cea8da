import assert from "node:assert/strict";
import { indexEntries, unknownModelHint } from "./model_index.ts";

Deno.test("indexEntries keeps named entries with their state and reason", () => {
  assert.deepEqual(
    indexEntries([{ name: "a", state: "READY" }, { version: "1" }, "x", { name: "b" }]),
    [{ name: "a", state: "READY", reason: "" }, { name: "b", state: "", reason: "" }],
  );
});

Deno.test("unknownModelHint: listed, ready, not ready, empty, and a long list cut at 20", () => {
  const ready = (name: string) => ({ name, state: "READY", reason: "" });
  assert.equal(unknownModelHint("a", [ready("a")]), "");
  assert.equal(
    unknownModelHint("x", [ready("a"), { name: "b", state: "", reason: "" }]),
    ". The server has: a, b. Pass one of them with -m",
  );
  // One ready version is enough for the model to be there: the server's message stands.
  const twoVersions = [{ name: "a", state: "UNAVAILABLE", reason: "v1 failed" }, ready("a")];
  assert.equal(unknownModelHint("a", twoVersions), "");
  assert.equal(
    unknownModelHint("a", [{ name: "a", state: "UNAVAILABLE", reason: "" }]),
    ". The server lists 'a' as UNAVAILABLE: check its load in the server's log",
  );
  assert.equal(unknownModelHint("x", []), ". The server's model repository is empty");
  const many = Array.from({ length: 23 }, (_, i) => ready(`m${i}`));
  const hint = unknownModelHint("x", many);
  assert.ok(hint.endsWith(", m19 and 3 more. Pass one of them with -m"), hint);
});
