/**
 * The bench's start-up rows (issue 22): wall time from spawn to exit of `deno run -A main.ts
 * --version` and `--help`, and of the same two with the bundle that `deno task bundle`'s own
 * command builds (into a temp dir, so the rows measure what users build and run), next to `deno
 * run -A` of an empty script: what the Deno runtime alone costs on this machine, a floor no
 * entry point can go under. Each command runs once unmeasured first, then `runs` timed times,
 * the commands taking turns so that a burst of load elsewhere on the machine falls on all of
 * them alike. Per command: median, p90, min and max; the target is a median of at most 0.12 s.
 *
 *   deno run -A scripts/bench_startup.ts [--runs N]
 *
 * A measurement, not a test: it exits 1 only when a command fails or prints the wrong thing.
 */
import { basename, dirname } from "node:path";
import { parseArgs } from "node:util";
import { quantile, round, type Target, targetLine } from "./bench_report.ts";
import { alignColumns } from "./bench_table.ts";

export const STARTUP_TITLE = "Start-up (spawn to exit, after one warm-up run of each command):";

/** Issue 22's bar for --version and --help, with main.ts and with the bundle. */
export const TARGET_STARTUP_S = 0.12;

const ROOT = new URL("../", import.meta.url).pathname;

export interface StartupPlan {
  /** Timed runs of each command. */
  runs: number;
}

export function startupPlan(quick: boolean): StartupPlan {
  return { runs: quick ? 5 : 15 };
}

/** Seconds, rounded to the millisecond. */
export interface StartupStats {
  medianS: number;
  /** Nearest rank. */
  p90S: number;
  minS: number;
  maxS: number;
}

export interface StartupRow extends StartupStats {
  /** The command as a user types it (the bundle's path shown as the task writes it). */
  command: string;
  runs: number;
}

export interface StartupSection {
  date: string;
  deno: string;
  plan: StartupPlan;
  method: string;
  /** Size of the bundle built by `deno task bundle`'s command; 0 when the build failed. */
  bundleBytes: number;
  /** Seconds the bundle build took (not a target; shown so a reader knows the cost). */
  bundleBuildS: number;
  rows: StartupRow[];
  targets: Target[];
  problems: string[];
}

const METHOD = "scripts/bench_startup.ts: each command is a child process of this script " +
  `(Deno.execPath(), NO_COLOR=1, stdout and stderr piped and checked: exit 0, --version prints ` +
  `"Perf Analyzer Version", --help prints the usage line), timed with performance.now() from ` +
  "spawn to exit. One warm-up run of each command comes first and is not timed: the first run " +
  "of a script transpiles it and fills Deno's code cache, which every later run (and every " +
  "user's run after their first) reads. Then the timed runs, the commands taking turns. main.ts " +
  "runs from the repository (its deno.json applies); the bundle is built by `deno task " +
  "bundle`'s own command with only its -o path changed, and runs from a directory holding only " +
  "it; the empty script runs from its own directory too. Median and p90 by nearest rank; the " +
  `target is a median <= ${TARGET_STARTUP_S} s.`;

/** Median, p90 (nearest rank), min and max of `times`, in seconds to three decimals. */
export function startupStats(times: number[]): StartupStats {
  return {
    medianS: round(quantile(times, 0.5), 3),
    p90S: round(quantile(times, 0.9), 3),
    minS: round(Math.min(...times), 3),
    maxS: round(Math.max(...times), 3),
  };
}

/**
 * `deno task bundle`'s command (the words after `deno`) with its output redirected to `out`,
 * read from deno.json so whoever builds through here builds what users build.
 */
export async function bundleTaskArgs(out: string): Promise<string[]> {
  const tasks = JSON.parse(await Deno.readTextFile(`${ROOT}deno.json`)).tasks;
  const words = String(tasks.bundle).split(/\s+/);
  if (words[0] !== "deno") throw new Error("the bundle task does not run deno");
  const o = words.indexOf("-o");
  if (o < 0) throw new Error("the bundle task does not name its output with -o");
  words[o + 1] = out;
  return words.slice(1);
}

/** One command to time and what its output must show. */
interface Probe {
  command: string;
  args: string[];
  cwd: string;
  /** What stdout and stderr together must match; the empty script must print nothing. */
  expect: RegExp;
  /** False for the empty script: the floor has no target. */
  targeted: boolean;
}

const decoder = new TextDecoder();

/** Seconds from spawn to exit; throws with the output when the run is not what it should be. */
async function timeOnce(p: Probe): Promise<number> {
  const started = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args: p.args,
    cwd: p.cwd,
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const seconds = (performance.now() - started) / 1000;
  const out = decoder.decode(r.stdout) + decoder.decode(r.stderr);
  if (r.code !== 0 || !p.expect.test(out)) {
    throw new Error(`${p.command}: exit ${r.code}, output ${JSON.stringify(out.slice(0, 300))}`);
  }
  return seconds;
}

/** --version and --help of one entry point; `shown` is its path as a user names it. */
function entryProbes(shown: string, file: string, cwd: string): Probe[] {
  return (["--version", "--help"] as const).map((flag) => ({
    command: `deno run -A ${shown} ${flag}`,
    args: ["run", "-A", file, flag],
    cwd,
    expect: flag === "--version" ? /Perf Analyzer Version/ : /^Usage: perf_analyzer /m,
    targeted: true,
  }));
}

function probes(bundleFile: string | undefined, emptyDir: string): Probe[] {
  return [
    {
      command: "deno run -A empty.ts",
      args: ["run", "-A", "empty.ts"],
      cwd: emptyDir,
      expect: /^$/,
      targeted: false,
    },
    ...entryProbes("main.ts", "main.ts", ROOT),
    ...(bundleFile === undefined
      ? []
      : entryProbes(basename(bundleFile), basename(bundleFile), dirname(bundleFile))),
  ];
}

function targetOf(row: StartupRow): Target {
  return {
    name: `start-up, ${row.command}: median of ${row.runs} runs`,
    requirement: `<= ${TARGET_STARTUP_S} s`,
    value: row.medianS,
    unit: "s",
    pass: row.medianS <= TARGET_STARTUP_S,
  };
}

export async function runStartupSection(
  plan: StartupPlan,
  log: (line: string) => void,
): Promise<StartupSection> {
  const problems: string[] = [];
  const bundleDir = await Deno.makeTempDir({ prefix: "pa_bench_startup_bundle_" });
  const emptyDir = await Deno.makeTempDir({ prefix: "pa_bench_startup_empty_" });
  try {
    log("start-up: building the bundle with deno task bundle's command ...");
    const bundleFile = `${bundleDir}/perf_analyzer.js`;
    const buildStarted = performance.now();
    const built = await new Deno.Command(Deno.execPath(), {
      args: await bundleTaskArgs(bundleFile),
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const bundleBuildS = round((performance.now() - buildStarted) / 1000, 3);
    if (!built.success) {
      problems.push(`bundle build failed: ${decoder.decode(built.stderr).trim()}`);
    }
    const bundleBytes = built.success ? (await Deno.stat(bundleFile)).size : 0;
    await Deno.writeTextFile(`${emptyDir}/empty.ts`, "");

    let live = probes(built.success ? bundleFile : undefined, emptyDir);
    const times = new Map<Probe, number[]>(live.map((p) => [p, []]));
    // A command that fails once is dropped: its remaining runs would time an error path.
    const attempt = async (p: Probe, timed: boolean) => {
      try {
        const s = await timeOnce(p);
        if (timed) times.get(p)!.push(s);
      } catch (e) {
        problems.push((e as Error).message);
        live = live.filter((q) => q !== p);
      }
    };
    log(`start-up: one warm-up run, then ${plan.runs} timed runs of ${live.length} commands ...`);
    for (const p of [...live]) await attempt(p, false);
    for (let i = 0; i < plan.runs; i++) {
      for (const p of [...live]) await attempt(p, true);
    }
    const rows = live.map((p) => ({
      command: p.command,
      runs: plan.runs,
      ...startupStats(times.get(p)!),
    }));
    const targeted = new Set(live.filter((p) => p.targeted).map((p) => p.command));
    return {
      date: new Date().toISOString(),
      deno: Deno.version.deno,
      plan,
      method: METHOD,
      bundleBytes,
      bundleBuildS,
      rows,
      targets: rows.filter((r) => targeted.has(r.command)).map(targetOf),
      problems,
    };
  } finally {
    await Deno.remove(bundleDir, { recursive: true });
    await Deno.remove(emptyDir, { recursive: true });
  }
}

export function startupLines(s: StartupSection): string[] {
  const cells = [
    ["command", "runs", "median s", "p90 s", "min s", "max s"],
    ...s.rows.map((r) => [
      r.command,
      String(r.runs),
      ...[r.medianS, r.p90S, r.minS, r.maxS].map((x) => x.toFixed(3)),
    ]),
  ];
  const [bytes, build] = [s.bundleBytes.toLocaleString("en-US"), s.bundleBuildS.toFixed(1)];
  return [
    STARTUP_TITLE,
    ...alignColumns(cells).map((l) => "  " + l),
    `  empty.ts is an empty file: Deno alone. perf_analyzer.js is the bundle, run from a folder ` +
    `of its own outside the checkout (so --version names no commit): ${bytes} bytes, built in ` +
    `${build} s`,
    ...s.targets.map(targetLine),
  ];
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { runs: { type: "string" } },
    strict: true,
  });
  const runs = Number(values.runs ?? startupPlan(false).runs);
  if (!(Number.isSafeInteger(runs) && runs > 0)) {
    console.error("bench_startup: --runs must be a positive integer");
    Deno.exit(2);
  }
  const section = await runStartupSection({ runs }, (l) => console.log(l));
  console.log(startupLines(section).join("\n"));
  for (const p of section.problems) console.log(`INVALID: ${p}`);
  Deno.exitCode = section.problems.length === 0 ? 0 : 1;
}
