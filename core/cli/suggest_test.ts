import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { closest, didYouMean, editDistance } from "./suggest.ts";

Deno.test("edit distance counts insertions, deletions, substitutions and neighbour swaps", () => {
  assertEquals(editDistance("", ""), 0);
  assertEquals(editDistance("abc", ""), 3);
  assertEquals(editDistance("concurency-range", "concurrency-range"), 1);
  assertEquals(editDistance("tritonn", "triton"), 1);
  assertEquals(editDistance("gprc", "grpc"), 1);
  assertEquals(editDistance("kitten", "sitting"), 3);
  assertEquals(editDistance("ca", "abc"), 3);
});

Deno.test("a typo gets the nearest candidate; a different word gets none", () => {
  const kinds = ["triton", "triton_c_api", "torchserve", "tfserving", "openai"];
  assertEquals(closest("tritonn", kinds), "triton");
  assertEquals(closest("TorchServe", kinds), "torchserve");
  assertEquals(closest("tfservng", kinds), "tfserving");
  assertEquals(closest("foo", kinds), undefined);
  assertEquals(closest("ab", ["ac"]), undefined, "one edit in two letters is a different word");
  assertEquals(
    didYouMean("v1/chat/completion", ["v1/completions", "v1/chat/completions"]),
    ' Did you mean "v1/chat/completions"?',
  );
  assertEquals(didYouMean("x", ["y"]), "");
  assertEquals(
    didYouMean("concurency-range", ["concurrency-range"], (c) => `'--${c}'`),
    " Did you mean '--concurrency-range'?",
  );
});
