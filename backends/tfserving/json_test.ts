import assert from "node:assert/strict";
import { RunError } from "../../core/errors.ts";
import { jsonText, nest, unnest } from "./json.ts";

Deno.test("nest and unnest are inverses by shape; scalars are bare", () => {
  const flat = [1, 2, 3, 4, 5, 6];
  assert.deepEqual(nest(flat, [2, 3]), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(unnest("t", [[1, 2, 3], [4, 5, 6]]), { shape: [2, 3], flat });
  assert.equal(nest([7], []), 7);
  assert.deepEqual(unnest("t", 7), { shape: [], flat: [7] });
  assert.deepEqual(unnest("t", []), { shape: [0], flat: [] });
  assert.deepEqual(unnest("s", [{ b64: "YQ==" }]), { shape: [1], flat: [{ b64: "YQ==" }] });
});

Deno.test("unnest refuses ragged lists, naming the tensor", () => {
  for (const ragged of [[[1, 2], [3]], [[1], 2], [1, [2]]]) {
    assert.throws(
      () => unnest("INPUT0", ragged),
      (e) => e instanceof RunError && /^tensor 'INPUT0' is a ragged list/.test(e.message),
    );
  }
});

Deno.test("jsonText keeps every digit of 64-bit integers", () => {
  const big = 2n ** 63n - 1n;
  assert.equal(
    jsonText({ a: [[big, -1n]], s: 'x"y', b: true }),
    '{"a":[[9223372036854775807,-1]],"s":"x\\"y","b":true}',
  );
});
