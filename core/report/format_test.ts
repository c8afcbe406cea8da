import { deepStrictEqual as assertEquals } from "node:assert/strict";
import {
  formatCpp,
  formatFixed,
  formatLoadValue,
  serverAveragesNs,
  stdUsecText,
  UINT64_MAX_TEXT,
  usec,
} from "./format.ts";
import { server } from "./testing/testdata.ts";

Deno.test("formatCpp matches C++ ostream defaults on the brief's values", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [1, "1"],
    [5887, "5887"],
    [5733.3412, "5733.34"],
    [49.93761, "49.9376"],
    [200.0456, "200.046"],
    [123456.7, "123457"],
    [1234567, "1.23457e+06"],
    [0.000123, "0.000123"],
    [1e21, "1e+21"],
    [1e6, "1e+06"],
  ];
  for (const [x, want] of cases) assertEquals(formatCpp(x), want, `formatCpp(${x})`);
});

Deno.test("formatCpp: golden throughputs, carries, small and negative numbers", () => {
  const cases: [number, string][] = [
    [5614.2003, "5614.2"],
    [399.8593, "399.859"],
    [999999.5, "1e+06"],
    [999999.4, "999999"],
    [9.9999996, "10"],
    [0.0001, "0.0001"],
    [0.00001, "1e-05"],
    [0.000012345678, "1.23457e-05"],
    [-2.5, "-2.5"],
    [-1234567, "-1.23457e+06"],
    [1e100, "1e+100"],
    [5e-324, "4.94066e-324"],
    [0.1, "0.1"],
    [100, "100"],
    [123456, "123456"],
  ];
  for (const [x, want] of cases) assertEquals(formatCpp(x), want, `formatCpp(${x})`);
});

Deno.test("formatCpp rounds exact ties to even like glibc printf", () => {
  // These integers are exact doubles, so the 7th digit 5 is a true tie.
  assertEquals(formatCpp(1234565), "1.23456e+06");
  assertEquals(formatCpp(1234575), "1.23458e+06");
  // 0.5 and 2.5 are exact; precision 6 keeps them whole, so no rounding happens.
  assertEquals(formatCpp(2.5), "2.5");
  // Looks like a tie in decimal, but the stored double is 1.00000500000000003 → rounds up.
  assertEquals(formatCpp(1.000005), "1.00001");
});

Deno.test("formatCpp special values print like C++", () => {
  assertEquals(formatCpp(NaN), "nan");
  assertEquals(formatCpp(Infinity), "inf");
  assertEquals(formatCpp(-Infinity), "-inf");
  assertEquals(formatCpp(-0), "-0");
});

Deno.test("formatFixed is std::fixed with setprecision", () => {
  assertEquals(formatFixed(2.1612, 2), "2.16");
  assertEquals(formatFixed(2.449, 2), "2.45");
  assertEquals(formatFixed(0, 2), "0.00");
  assertEquals(formatFixed(0.004, 2), "0.00");
  assertEquals(formatFixed(99.999, 2), "100.00");
  assertEquals(formatFixed(0.125, 2), "0.12"); // exact tie → even
  assertEquals(formatFixed(0.375, 2), "0.38");
  assertEquals(formatFixed(-1.5, 1), "-1.5");
  assertEquals(formatFixed(7.6, 0), "8");
  assertEquals(formatFixed(1234.5, 3), "1234.500");
});

Deno.test("usec truncates like unsigned integer division", () => {
  assertEquals(usec(171_999), 171);
  assertEquals(usec(999), 0);
  assertEquals(usec(1000), 1);
  assertEquals(usec(-5), 0);
  assertEquals(usec(NaN), 0);
});

Deno.test("stdUsecText prints UINT64_MAX for a one-sample std dev", () => {
  assertEquals(stdUsecText(94_999), "94");
  assertEquals(stdUsecText(NaN), UINT64_MAX_TEXT);
  assertEquals(UINT64_MAX_TEXT, (2n ** 64n - 1n).toString());
});

Deno.test("serverAveragesNs averages compute over the summed ns, not per stage", () => {
  const a = serverAveragesNs(server(10, [25_500, 1_000, 1_900, 21_900, 1_900]));
  assertEquals(a.request, 25_500);
  assertEquals(a.queue, 1_000);
  assertEquals(a.computeInput, 1_900);
  assertEquals(a.compute, 25_700);
  assertEquals(a.cacheHit, 0);
  const empty = serverAveragesNs(server(0, [1, 1, 1, 1, 1]));
  assertEquals(empty.request, 0);
  assertEquals(empty.compute, 0);
});

Deno.test("formatLoadValue: integer concurrency, double rate", () => {
  assertEquals(formatLoadValue("concurrency", 4), "4");
  assertEquals(formatLoadValue("request_rate", 200), "200");
  assertEquals(formatLoadValue("request_rate", 12.5), "12.5");
  assertEquals(formatLoadValue("request_rate", 1234567.5), "1.23457e+06");
});
