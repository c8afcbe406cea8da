import assert from "node:assert/strict";
import { promptsLines, runPromptsSection } from "./bench_prompts.ts";

Deno.test("bench_prompts: a small row in a child process, exact and measured", async () => {
  const logged: string[] = [];
  const section = await runPromptsSection({ prompts: 500, tokens: 300 }, (l) => logged.push(l));
  assert.deepEqual(section.problems, []);
  const [row] = section.rows;
  assert.equal(row.prompts, 500);
  assert.equal(row.tokens, 300);
  assert.equal(row.verified, 200, "every sampled prompt counts 300 builtin tokens");
  assert.equal(row.sampled, 200);
  assert.ok(row.synthesisS > 0 && row.writeS >= 0);
  assert.ok(row.peakRssMb > 20 && row.peakRssMb < 2000, `${row.peakRssMb} MB`);
  assert.deepEqual(logged, ["prompt synthesis: 500 prompts of 300 tokens ..."]);
  const lines = promptsLines(section.rows);
  assert.equal(lines.length, 3);
  assert.match(lines[2], /^ {2}500 × 300 +\d+\.\d\d +\d+\.\d\d +\d+ +200\/200$/);
});
