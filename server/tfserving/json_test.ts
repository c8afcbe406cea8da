/** The reference server's REST tensor nesting against lists written by hand. */
import assert from "node:assert/strict";
import { ApiError } from "../kserve/http_error.ts";
import { nest, unnest } from "./json.ts";

Deno.test("tfserving server json: nest groups row-major elements by shape", () => {
  assert.deepEqual(nest([1, 2, 3, 4, 5, 6], [2, 3]), [[1, 2, 3], [4, 5, 6]]);
  assert.deepEqual(nest([1, 2, 3, 4, 5, 6], [3, 2]), [[1, 2], [3, 4], [5, 6]]);
  assert.deepEqual(nest([1, 2, 3, 4], [2, 1, 2]), [[[1, 2]], [[3, 4]]]);
  assert.deepEqual(nest(["a"], [1]), ["a"]);
  assert.equal(nest([7], []), 7);
  assert.deepEqual(nest([], [2, 0]), [[], []]);
  assert.deepEqual(nest([], [0, 3]), []);
});

Deno.test("tfserving server json: unnest reads shape and elements depth by depth", () => {
  assert.deepEqual(unnest("X", [[1, 2, 3], [4, 5, 6]]), {
    shape: [2, 3],
    flat: [1, 2, 3, 4, 5, 6],
  });
  assert.deepEqual(unnest("X", [[[1, 2]], [[3, 4]]]), { shape: [2, 1, 2], flat: [1, 2, 3, 4] });
  assert.deepEqual(unnest("X", 5), { shape: [], flat: [5] });
  assert.deepEqual(unnest("X", []), { shape: [0], flat: [] });
  assert.deepEqual(unnest("X", [[], []]), { shape: [2, 0], flat: [] });
  const b64 = { b64: "YQ==" };
  assert.deepEqual(unnest("X", [b64, b64]), { shape: [2], flat: [b64, b64] });
});

Deno.test("tfserving server json: ragged lists are INVALID_ARGUMENT naming the tensor", () => {
  for (const value of [[[1, 2], [3]], [[1], 2], [1, [2]], [[], [1]]]) {
    assert.throws(() => unnest("IN", value), (e) => {
      assert.ok(e instanceof ApiError);
      assert.equal(e.status, 400);
      assert.match(e.message, /^tensor 'IN' is a ragged list/);
      return true;
    });
  }
});
