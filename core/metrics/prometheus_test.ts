import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parsePrometheus, parseValue } from "./prometheus.ts";

Deno.test("prometheus: HELP, TYPE, labels and values as Triton writes them", () => {
  const text = [
    "# HELP nv_gpu_utilization GPU utilization rate [0.0 - 1.0)",
    "# TYPE nv_gpu_utilization gauge",
    'nv_gpu_utilization{gpu_uuid="GPU-aaaa"} 0.41',
    'nv_gpu_utilization{gpu_uuid="GPU-bbbb"} 1',
    "# TYPE nv_inference_request_success counter",
    'nv_inference_request_success{model="simple",version="1"} 161',
    "",
  ].join("\n");
  const e = parsePrometheus(text);
  assertEquals(e.help.get("nv_gpu_utilization"), "GPU utilization rate [0.0 - 1.0)");
  assertEquals(e.types.get("nv_gpu_utilization"), "gauge");
  assertEquals(e.types.get("nv_inference_request_success"), "counter");
  assertEquals(e.samples.length, 3);
  assertEquals(e.samples[0].name, "nv_gpu_utilization");
  assertEquals([...e.samples[0].labels], [["gpu_uuid", "GPU-aaaa"]]);
  assertEquals(e.samples[0].value, 0.41);
  assertEquals(e.samples[1].value, 1);
  assertEquals([...e.samples[2].labels], [["model", "simple"], ["version", "1"]]);
  assertEquals(e.samples[2].value, 161);
});

Deno.test("prometheus: escapes in label values and HELP text, trailing comma, CRLF", () => {
  const e = parsePrometheus(
    '# HELP m a \\\\ b\\nc\r\nm{a="x\\"y",b="back\\\\slash",c="l1\\nl2",} 2\r\n',
  );
  assertEquals(e.help.get("m"), "a \\ b\nc");
  assertEquals(e.samples[0].labels.get("a"), 'x"y');
  assertEquals(e.samples[0].labels.get("b"), "back\\slash");
  assertEquals(e.samples[0].labels.get("c"), "l1\nl2");
});

Deno.test("prometheus: NaN, ±Inf, exponents, timestamps, no labels, plain comments", () => {
  const e = parsePrometheus(
    "# just a comment\nm NaN\nm +Inf 1700000000000\nm -Inf\nm{} 1.5e3 -12\nm_x:y .5\n",
  );
  assertEquals(Number.isNaN(e.samples[0].value), true);
  assertEquals(e.samples[1].value, Infinity);
  assertEquals(e.samples[1].timestampMs, 1700000000000);
  assertEquals(e.samples[2].value, -Infinity);
  assertEquals(e.samples[3].value, 1500);
  assertEquals(e.samples[3].timestampMs, -12);
  assertEquals(e.samples[3].labels.size, 0);
  assertEquals(e.samples[4].name, "m_x:y");
  assertEquals(e.samples[4].value, 0.5);
  assertEquals(parseValue("1e"), undefined);
  assertEquals(parseValue("0x10"), undefined);
});

Deno.test("prometheus: malformed lines name the line number and the problem", () => {
  const cases: [string, RegExp][] = [
    ['ok 1\nm{a="x"}', /line 2: metric "m" has no value/],
    ['m{a="x} 1', /line 1: unterminated label value/],
    ['m{a="\\t"} 1', /line 1: unknown escape "\\t"/],
    ["m{a=x} 1", /line 1: a label value must start with/],
    ['m{a="1",a="2"} 1', /duplicate label "a"/],
    ['m{a="1" b="2"} 1', /expected ',' or '}'/],
    ["m abc", /value "abc" is not a number/],
    ["m 1 2.5", /timestamp "2.5" is not an integer/],
    ["m 1 2 3", /unexpected text after the timestamp/],
    ["1m 1", /expected a metric name/],
    ["# TYPE m gauge\n# TYPE m counter", /line 2: second # TYPE for "m"/],
    ["# TYPE m widget", /unknown metric type "widget"/],
    ["# HELP", /# HELP needs a metric name/],
    ['m{a="1"}2', /expected a space before the value/],
  ];
  for (const [text, message] of cases) {
    throws(
      () => parsePrometheus(text),
      (e: unknown) => e instanceof SyntaxError && message.test(e.message),
      text,
    );
  }
});
