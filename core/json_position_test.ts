import assert from "node:assert/strict";
import { jsonErrorLocation } from "./json_position.ts";

Deno.test("the first syntax error's line and column, or undefined for valid JSON", () => {
  assert.equal(jsonErrorLocation('{"a": [1, 2.5e3, "x\\"y", true, null]}'), undefined);
  assert.equal(jsonErrorLocation('{"a": [1,,2]}'), "line 1, column 10");
  assert.equal(jsonErrorLocation('{\n  "a": 1\n  "b": 2}'), "line 3, column 3");
  assert.equal(jsonErrorLocation('{"a": 01}'), "line 1, column 8");
  assert.equal(jsonErrorLocation('{"a": "open'), "line 1, column 12");
  assert.equal(jsonErrorLocation("[1] x"), "line 1, column 5");
  assert.equal(jsonErrorLocation("{a: 1}"), "line 1, column 2");
});
