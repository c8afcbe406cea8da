/**
 * End-to-end: the live progress line appears only on a terminal. `script` (util-linux) runs
 * the tool under a pseudo-terminal; the same run piped, or with --no-progress, has none.
 */
import assert from "node:assert/strict";
import { ERASE_LINE } from "../core/report/progress.ts";
import { ANY_THREE_WINDOWS, withServer } from "./cli_harness.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const ARGS = ["-m", "simple", "--concurrency-range", "1:2", "-p", "500", ...ANY_THREE_WINDOWS];

function hasScript(): boolean {
  try {
    return new Deno.Command("script", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function quote(arg: string): string {
  return `'${arg.replaceAll("'", "'\\''")}'`;
}

/** Runs the tool under a pseudo-terminal; returns everything the terminal received. */
async function onTerminal(args: string[]): Promise<{ code: number; text: string }> {
  const command = [Deno.execPath(), "run", "-A", MAIN, ...args].map(quote).join(" ");
  const out = await new Deno.Command("script", {
    args: ["-qefc", command, "/dev/null"],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
    signal: AbortSignal.timeout(60_000),
  }).output();
  return { code: out.code, text: new TextDecoder().decode(out.stdout) };
}

const PROGRESS =
  /Concurrency [12] \| level [12]\/2 \|( ETA \d+ s \|)? window \d+\/10 \| [\d.]+ infer\/sec \| p50 \d+ usec/;

Deno.test({
  name: "progress line on a pseudo-terminal, erased before each level's report",
  ignore: !hasScript(),
  fn: async () => {
    await withServer({}, async (server) => {
      const { code, text } = await onTerminal([...ARGS, "-u", server.url]);
      assert.equal(code, 0, text);
      assert.ok(text.includes(`${ERASE_LINE}Concurrency 1 | level 1/2 | `), text);
      // The second level knows how long the first took.
      assert.match(text, /Concurrency 2 \| level 2\/2 \| ETA \d+ s \|/);
      assert.match(text, PROGRESS);
      assert.match(text, /Concurrency 2 \|/);
      // The report lines themselves carry no control characters: the line was erased first.
      assert.match(text, /\r?\n\s*Request count: \d+\r?\n/);
      assert.match(text, /Concurrency: 2, throughput: [\d.]+ infer\/sec/);
    });
  },
});

Deno.test({
  name: "--no-progress on a terminal, and a piped run, draw no progress line",
  ignore: !hasScript(),
  fn: async () => {
    await withServer({}, async (server) => {
      const tty = await onTerminal([...ARGS, "-u", server.url, "--no-progress"]);
      assert.equal(tty.code, 0, tty.text);
      assert.ok(!tty.text.includes(ERASE_LINE));
      assert.match(tty.text, /Concurrency: 2, throughput/);
      const piped = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", MAIN, ...ARGS, "-u", server.url],
        stdout: "piped",
        stderr: "piped",
        env: { NO_COLOR: "1" },
        signal: AbortSignal.timeout(60_000),
      }).output();
      assert.equal(piped.code, 0);
      const all = new TextDecoder().decode(piped.stdout) + new TextDecoder().decode(piped.stderr);
      assert.ok(!all.includes(ERASE_LINE));
      assert.match(all, /Concurrency: 2, throughput/);
    });
  },
});
