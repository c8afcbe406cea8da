import assert from "node:assert/strict";
import { concat, copyJoined, joinBytes } from "./bytes.ts";

Deno.test("joined bytes keep the chunks' order; only joinBytes hands back a lone chunk", () => {
  const a = new Uint8Array([1, 2]);
  const b = new Uint8Array([3]);
  assert.deepEqual([...joinBytes([a, new Uint8Array(0), b])], [1, 2, 3]);
  assert.deepEqual([...copyJoined([a, b])], [1, 2, 3]);
  assert.equal(joinBytes([a]), a);
  const copy = copyJoined([a]);
  assert.notEqual(copy, a);
  assert.deepEqual([...copy], [1, 2]);
  assert.equal(joinBytes([]).length, 0);
  assert.deepEqual([...concat(b, a)], [3, 1, 2]);
});
