import { deepStrictEqual as assertEquals, throws as assertThrows } from "node:assert/strict";
import { UsageError } from "../errors.ts";
import {
  parseChoice,
  parseConcurrencyRange,
  parseDecimal,
  parseHeader,
  parseInteger,
  parseShape,
} from "./values.ts";

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error("expected a UsageError");
}

Deno.test("parseInteger accepts whole numbers and rejects everything else by name", () => {
  assertEquals(parseInteger("-b (batch size)", "42"), 42);
  assertEquals(parseInteger("-b (batch size)", "-1"), -1);
  assertEquals(parseInteger("-b (batch size)", "+7"), 7);
  for (const bad of ["", "abc", "10abc", "1.5", " 3", "0x10", "1e3", "NaN"]) {
    assertEquals(
      messageOf(() => parseInteger("-b (batch size)", bad)),
      `Failed to parse -b (batch size). The value must be an integer. Got "${bad}".`,
    );
  }
  assertThrows(() => parseInteger("x", "99999999999999999999"), UsageError);
});

Deno.test("parseDecimal accepts decimals and exponents, never NaN", () => {
  assertEquals(parseDecimal("-s", "2.5"), 2.5);
  assertEquals(parseDecimal("-s", ".5"), 0.5);
  assertEquals(parseDecimal("-s", "1e1"), 10);
  for (const bad of ["", "abc", "1.2.3", "Infinity", "5%"]) {
    assertEquals(
      messageOf(() => parseDecimal("-s", bad)),
      `Failed to parse -s. The value must be a number. Got "${bad}".`,
    );
  }
});

Deno.test("parseChoice lists the allowed values", () => {
  assertEquals(parseChoice("--f", "json", ["binary", "json"]), "json");
  assertEquals(
    messageOf(() => parseChoice("--f", "JSON", ["binary", "json"])),
    'Failed to parse --f. The value must be "binary" or "json". Got "JSON". Did you mean "json"?',
  );
  assertEquals(
    messageOf(() => parseChoice("--f", "text", ["binary", "json"])),
    'Failed to parse --f. The value must be "binary" or "json". Got "text".',
  );
});

Deno.test("parseConcurrencyRange: parts, defaults and every rule", () => {
  const ok: [string, [number, number, number, number]][] = [
    ["4", [4, 4, 1, 1]],
    ["1:8", [1, 8, 1, 2]],
    ["2:10:2", [2, 10, 2, 3]],
    ["1:0", [1, 0, 1, 2]],
    ["3:0:3", [3, 0, 3, 3]],
    ["5:5", [5, 5, 1, 2]],
  ];
  for (const [text, [start, end, step, parts]] of ok) {
    assertEquals(parseConcurrencyRange(text), { start, end, step, parts }, text);
  }
  const prefix = "Failed to parse --concurrency-range.";
  const bad: [string, string][] = [
    ["1:2:3:4", "The value does not match <start:end:step>."],
    ["1:x", 'The value does not match <start:end:step>: "x" is not a non-negative integer.'],
    ["2:", 'The value does not match <start:end:step>: "" is not a non-negative integer.'],
    ["-1:4", 'The value does not match <start:end:step>: "-1" is not a non-negative integer.'],
    ["1.5", 'The value does not match <start:end:step>: "1.5" is not a non-negative integer.'],
    ["0:4", "The start must be >= 1."],
    ["1:4:0", "The step must be > 0."],
    ["4:2", "The end must be >= the start, or 0 for no limit."],
  ];
  for (const [text, rule] of bad) {
    assertEquals(messageOf(() => parseConcurrencyRange(text)), `${prefix} ${rule} Got "${text}".`);
  }
});

Deno.test("parseShape splits at the last colon and names the bad dimension", () => {
  assertEquals(parseShape("INPUT0:3,224,224"), ["INPUT0", [3, 224, 224]]);
  assertEquals(parseShape("ns:in:5"), ["ns:in", [5]]);
  const bad: [string, string][] = [
    ["INPUT0:3,x", 'Cannot parse --shape "INPUT0:3,x": dimension "x" is not a positive integer.'],
    ["INPUT0:0", 'Cannot parse --shape "INPUT0:0": dimension "0" is not a positive integer.'],
    ["INPUT0:-2", 'Cannot parse --shape "INPUT0:-2": dimension "-2" is not a positive integer.'],
    ["INPUT0:", 'Cannot parse --shape "INPUT0:": dimension "" is not a positive integer.'],
    ["INPUT0:3,,4", 'Cannot parse --shape "INPUT0:3,,4": dimension "" is not a positive integer.'],
    [":3", 'Cannot parse --shape ":3": the input name is empty.'],
    [
      "INPUT0",
      'Cannot parse --shape "INPUT0": expected NAME:d1,d2,... (a colon after the input name).',
    ],
  ];
  for (const [text, message] of bad) assertEquals(messageOf(() => parseShape(text)), message);
});

Deno.test("parseHeader splits at the first colon and trims the value's leading spaces", () => {
  assertEquals(parseHeader("Authorization: Bearer a:b"), ["Authorization", "Bearer a:b"]);
  assertEquals(parseHeader("X-Empty:"), ["X-Empty", ""]);
  assertEquals(parseHeader("X-A:  v "), ["X-A", "v "]);
  assertEquals(
    messageOf(() => parseHeader("NoColon")),
    'Failed to parse -H (HTTP header). The value must be "Name:Value". Got "NoColon".',
  );
  assertEquals(
    messageOf(() => parseHeader(" :v")),
    'Failed to parse -H (HTTP header). The header name must not be empty. Got " :v".',
  );
});
