/**
 * A seeded fuzzer for the whole command line, in-process against the reference server: random
 * flag combinations (valid values, edge values and junk, over HTTP and gRPC, several kinds and
 * models) and byte-mangled --input-data files. Every run must end by itself within its bound
 * with an exit code from the README's table, and print no stack trace: a crash, a hang or an
 * uncaught error fails the test naming the seed and case, so it replays (FUZZ_SEED=N picks
 * another seed).
 */
import assert from "node:assert/strict";
import { SeededRandom } from "../core/load/random.ts";
import { CliFuzz, QUICK } from "./fuzz_cases.ts";
import { runCli, withServer, withTempDir } from "./cli_harness.ts";
import { CRASH, EXIT_CODES } from "./fault_cases.ts";

const SEED = Number(Deno.env.get("FUZZ_SEED") ?? "23");
const FLAG_CASES = 150;
const FILE_CASES = 50;
/** A run still going after this long is cut short (like Ctrl-C) and counted as a hang. */
const RUN_BOUND_MS = 20_000;

interface Verdict {
  /** The exit code; -1 when main() threw. */
  code: number;
  /** What went wrong, "" for a clean run. */
  why: string;
}

/** Runs one command line within the bound; the verdict says what went wrong, if anything. */
async function judge(args: string[]): Promise<Verdict> {
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), RUN_BOUND_MS);
  try {
    const r = await runCli(args, stop.signal);
    const code = r.code;
    if (stop.signal.aborted) return { code, why: `hang: still running after ${RUN_BOUND_MS} ms` };
    const crash = CRASH.exec(r.stdout + r.stderr);
    if (crash) return { code, why: `crash: ${crash[0].trim()}\n${r.stderr.slice(0, 2000)}` };
    if (!EXIT_CODES.has(code)) {
      return { code, why: `exit code ${code}\n${r.stderr.slice(0, 2000)}` };
    }
    return { code, why: "" };
  } catch (e) {
    return { code: -1, why: `uncaught: ${(e as Error).stack ?? e}` };
  } finally {
    clearTimeout(timer);
  }
}

Deno.test(`CLI fuzz: ${FLAG_CASES} seeded flag combinations and ${FILE_CASES} mangled data files end cleanly`, async () => {
  const gen = new CliFuzz(new SeededRandom(SEED));
  const failures: string[] = [];
  const codes = new Map<number, number>();
  await withServer({ grpcPort: 0 }, async (server) => {
    await withTempDir("pa_fuzz_", async (dir) => {
      for (let i = 0; i < FLAG_CASES + FILE_CASES; i++) {
        let args: string[];
        if (i < FLAG_CASES) args = gen.args(server);
        else {
          const file = `${dir}/case${i}.json`;
          await Deno.writeFile(file, gen.dataFile());
          args = ["-m", "simple", "-u", server.url, ...QUICK];
          args.push("--input-data", file);
        }
        const { code, why } = await judge(args);
        codes.set(code, (codes.get(code) ?? 0) + 1);
        if (why !== "") failures.push(`case ${i} (seed ${SEED}): ${args.join(" ")}\n${why}`);
      }
    });
  });
  assert.deepEqual(failures, [], `replay with FUZZ_SEED=${SEED}`);
  // The generator must reach both ends: runs that measure, and refusals.
  const seen = JSON.stringify([...codes]);
  assert.ok((codes.get(0) ?? 0) >= 20, `too few runs measured: ${seen}`);
  assert.ok((codes.get(99) ?? 0) >= 20, `too few refusals: ${seen}`);
});
