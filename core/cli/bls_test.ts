import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseCommandLine } from "./command_line.ts";
import { parseBlsComposingModels } from "./bls.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

Deno.test("--bls-composing-models: names with optional versions, spaces ignored", () => {
  const none = (name: string) => ({ name, version: "" });
  for (const text of ["a,b,c", "a, b, c", "a,b, c", "a, b,  c"]) {
    assertEquals(parseBlsComposingModels(text), [none("a"), none("b"), none("c")], text);
  }
  assertEquals(parseBlsComposingModels("a:1 ,  b:2, c:1"), [
    { name: "a", version: "1" },
    { name: "b", version: "2" },
    { name: "c", version: "1" },
  ]);
  // The same model at two versions is two entries, as in perf_analyzer.
  assertEquals(parseBlsComposingModels("a:1,b,a:2"), [
    { name: "a", version: "1" },
    none("b"),
    { name: "a", version: "2" },
  ]);
});

Deno.test("--bls-composing-models: empty names and non-numeric versions are usage errors", () => {
  throws(
    () => parseBlsComposingModels("a,,b"),
    /Failed to parse --bls-composing-models\. A model name is empty\./,
  );
  throws(() => parseBlsComposingModels("a:x"), /The version of "a" must be a whole number\./);
  throws(() => parseBlsComposingModels(":3"), /A model name is empty\./);
});

Deno.test("--bls-composing-models reaches the run config", () => {
  const r = parseCommandLine(["-m", "bls", "--bls-composing-models", "a:3,b"], TEST_KINDS);
  if (r.action !== "run") throw new Error(r.action);
  assertEquals(r.config.blsComposingModels, [{ name: "a", version: "3" }, {
    name: "b",
    version: "",
  }]);
});
