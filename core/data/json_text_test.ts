import assert from "node:assert/strict";
import { RunError } from "../errors.ts";
import { parseJsonText } from "./json_text.ts";

const parse = (text: string) => parseJsonText(text, "d.json");

function error(text: string): string {
  try {
    parse(text);
  } catch (e) {
    assert.ok(e instanceof RunError, String(e));
    return e.message;
  }
  throw new Error(`expected an error for ${text}`);
}

Deno.test("plain JSON parses as JSON.parse does", () => {
  const text = '{"a": [1, -2.5e3, "x\\"y", true, false, null], "b": {}, "c": []}';
  assert.deepEqual(parse(text), JSON.parse(text));
});

Deno.test("NaN, Infinity, -Infinity are numbers outside strings and text inside them", () => {
  const got = parse('{"f": [NaN, Infinity, -Infinity, 1], "s": ["NaN", "-Infinity x", "\\"NaN"]}');
  assert.deepEqual(got, {
    f: [NaN, Infinity, -Infinity, 1],
    s: ["NaN", "-Infinity x", '"NaN'],
  });
});

Deno.test("our parser (taken when the text needs it) reads every JSON construct", () => {
  // "Infinity" in a key sends the whole text through our parser.
  const text = '{"Infinity": 1, "e": "\\u00e9\\n\\t\\/\\\\\\b\\f\\r", "n": [0, -0.5, 1E+2, 3e-1],' +
    ' "o": {"a": {"b": [[], {}]}}, "t": [true, false, null], "__proto__": 5}';
  const got = parse(text) as Record<string, unknown>;
  assert.deepEqual(got, JSON.parse(text));
  assert.equal(Object.getPrototypeOf(got), Object.prototype, "__proto__ stays a plain key");
  assert.equal(Object.getOwnPropertyDescriptor(got, "__proto__")?.value, 5);
});

Deno.test("integers beyond 2^53 stay exact as bigint; other numbers stay numbers", () => {
  const got = parse(
    "[9223372036854775807, -9223372036854775808, 18446744073709551615, 9007199254740991, " +
      "0.12345678901234567, 12345678901234567890.5, 1e300]",
  );
  assert.deepEqual(got, [
    9223372036854775807n,
    -9223372036854775808n,
    18446744073709551615n,
    9007199254740991,
    0.12345678901234567,
    12345678901234567890.5,
    1e300,
  ]);
});

Deno.test("syntax errors name the file, line, column and problem", () => {
  const cases: [string, string][] = [
    ['{"data": [\n  {"A": [1,,2]}]}', 'line 2, column 12: unexpected character ","'],
    ['{"a": 1,}', "line 1, column 9: expected a property name in double quotes"],
    ['{"a" 1}', "line 1, column 6: expected ':' after a property name"],
    ["[1, 2", "line 1, column 6: expected ',' or ']' after an array element"],
    ['{"a": 1\n  "b": 2}', "line 2, column 3: expected ',' or '}' after a property value"],
    ['["abc', "line 1, column 6: unterminated string"],
    ['["a\tb"]', "line 1, column 4: control character in a string (escape it)"],
    ['["\\x"]', "line 1, column 3: bad escape in a string"],
    ['["\\u12G4"]', "line 1, column 3: bad \\u escape in a string"],
    ["[01]", "line 1, column 3: expected ',' or ']' after an array element"],
    ["[-]", "line 1, column 2: invalid number"],
    ["[1] x", "line 1, column 5: unexpected data after the JSON value"],
    ["{a: 1}", "line 1, column 2: expected a property name in double quotes"],
    ["", "line 1, column 1: unexpected end of data"],
    ["[tru]", 'line 1, column 2: unexpected character "t"'],
    ["[NaN, Nan]", 'line 1, column 7: unexpected character "N"'],
    ["\r\n\r\n  [1,]", 'line 3, column 6: unexpected character "]"'],
  ];
  for (const [text, want] of cases) {
    assert.equal(error(text), `d.json: invalid JSON at ${want}`, JSON.stringify(text));
  }
  assert.equal(
    error("[".repeat(600)),
    "d.json: invalid JSON at line 1, column 514: nested too deeply",
  );
});
