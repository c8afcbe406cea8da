/** End-to-end: --max-error-rate turns counted failures into a stop (exit 99) past a limit. */
import assert from "node:assert/strict";
import { ANY_THREE_WINDOWS, runCli } from "./cli_harness.ts";

const FLAKY = `plugin:${new URL("../core/testing/plugin_flaky.ts", import.meta.url).href}`;

Deno.test("a third of requests failing: over a 20 % limit exits 99, under 50 % it passes", async () => {
  const base = ["-m", "m", "--service-kind", FLAKY, "-p", "100", ...ANY_THREE_WINDOWS];
  const strict = await runCli([...base, "--max-error-rate", "20"]);
  assert.equal(strict.code, 99, strict.stdout + strict.stderr);
  assert.match(
    strict.stderr,
    /A measurement window had more than 20% failed requests \(--max-error-rate\): \d+ of \d+ failed at concurrency 1, most often: HTTP 503: simulated overload/,
  );
  // The counts are those of the window that broke the limit, so they are over it.
  const [, failed, total] = strict.stderr.match(/: (\d+) of (\d+) failed/)!;
  assert.ok(Number(failed) / Number(total) > 0.2, `${failed} of ${total}`);
  assert.doesNotMatch(strict.stdout, /^Concurrency: 1,/m);
  const lenient = await runCli([...base, "--max-error-rate", "50"]);
  assert.equal(lenient.code, 0, lenient.stderr);
  assert.match(lenient.stdout, /^ {4}Failed requests: \d+ \(HTTP 503: simulated overload: \d+\)$/m);
});
