import assert from "node:assert/strict";
import { cpus } from "node:os";
import { commandLineText, cpuText, runInfo } from "./run_info.ts";

Deno.test("command line: plain words as typed, others single-quoted so a shell reads them back", () => {
  assert.equal(
    commandLineText(["-m", "simple", "-u", "127.0.0.1:8000", "-H", "x-key: a b", "--x=it's"]),
    `perf_analyzer -m simple -u 127.0.0.1:8000 -H 'x-key: a b' '--x=it'\\''s'`,
  );
  assert.equal(commandLineText([]), "perf_analyzer");
});

Deno.test("cpu text: model and count, a missing model named as such", () => {
  assert.equal(cpuText(" AMD EPYC 7B13 ", 2), "AMD EPYC 7B13 × 2");
  assert.equal(cpuText("", 4), "unknown CPU × 4");
});

Deno.test("run info of this process: host, this machine's CPUs, the commit", () => {
  const info = runInfo(["-m", "simple"]);
  assert.equal(info.commandLine, "perf_analyzer -m simple");
  assert.equal(info.host, Deno.hostname());
  assert.equal(info.cpu, cpuText(cpus()[0].model, cpus().length));
  assert.match(info.commit, /^([0-9a-f]{12}(-dirty)?|unknown)$/);
});
