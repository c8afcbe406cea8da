/**
 * Entry point and composition root: argv → RunConfig → run → exit code. The only module that
 * touches process-wide state (signals, stdout, Deno.exit), and the one that hands the built-in
 * backends (backends/mod.ts) to the command line and the run; everything it injects is
 * replaceable, so tests call `main()` in-process. What only a run (or `compare`) needs is
 * imported when one starts: --help and --version load the command line and the descriptors,
 * never the measurement code, its npm packages or a backend.
 */
import { systemClock } from "./core/clock.ts";
import { readCommandLine } from "./core/cli/command_line.ts";
import { ExitCode, isRunError, isUsageError, UsageError } from "./core/errors.ts";
import type { RunDeps } from "./core/run.ts";
import type { MergeIo } from "./core/distributed/merge_cli.ts";
import type { MpiSession } from "./core/distributed/mpi/ranks.ts";
import { checkOutputFiles, reportsToStdout, STDOUT } from "./core/report/files.ts";
import { readInputText } from "./core/data/load.ts";
import { BUILT_IN_BACKENDS } from "./backends/mod.ts";

export interface MainIo {
  stdout(text: string): void;
  stderr(text: string): void;
}

const encoder = new TextEncoder();

function writeAll(stream: { writeSync(p: Uint8Array): number }, text: string): void {
  let bytes = encoder.encode(text);
  while (bytes.length > 0) bytes = bytes.subarray(stream.writeSync(bytes));
}

export const processIo: MainIo = {
  stdout: (t) => writeAll(Deno.stdout, t),
  stderr: (t) => writeAll(Deno.stderr, t),
};

/** The terminal's width; 80 when it cannot be read or is unset (a pty made by `script` says 0). */
function terminalColumns(): number {
  try {
    const { columns } = Deno.consoleSize();
    return columns > 0 ? columns : 80;
  } catch {
    return 80;
  }
}

/**
 * Runs the tool. `signal` stands for the first Ctrl-C: the current window closes, what was
 * measured is reported, and the run ends.
 */
export async function main(
  argv: string[],
  io: MainIo = processIo,
  signal: AbortSignal = new AbortController().signal,
): Promise<number> {
  // `compare A.json B.json`: a subcommand of our own; perf_analyzer rejects positionals anyway.
  if (argv[0] === "compare") {
    const { compareMain } = await import("./core/report/compare_cli.ts");
    return compareMain(argv.slice(1), {
      ...io,
      readTextFile: readInputText,
      writeTextFile: (path, text) => Deno.writeTextFile(path, text),
    });
  }
  // `dist k8s`: a distributed run as a Kubernetes Indexed Job.
  if (argv[0] === "dist") {
    const { distMain } = await import("./core/distributed/k8s/cli.ts");
    return await distMain(argv.slice(1), {
      ...io,
      writeTextFile: (path, text) => Deno.writeTextFile(path, text),
      nowMs: () => Date.now(),
    });
  }
  // `merge DIR`: a distributed run's worker artifacts reported as one run.
  if (argv[0] === "merge") {
    const { mergeMain } = await import("./core/distributed/merge_cli.ts");
    return mergeMain(argv.slice(1), await mergeIo(io));
  }
  if (argv[0] === "profile") {
    // GenAI-Perf's `profile`: its flags, our engine (backends/openai/profile/).
    try {
      const [{ profileMain }, { run }] = await Promise.all([
        import("./backends/openai/profile/cli.ts"),
        import("./core/run.ts"),
      ]);
      return await profileMain(argv.slice(1), {
        run: await runDeps(io, signal, argv, io.stdout),
        runConfig: run,
        checkOutputFiles,
        backends: BUILT_IN_BACKENDS,
        mkdir: (path) => Deno.mkdir(path, { recursive: true }),
      });
    } catch (e) {
      return reportFailure(e, io);
    }
  }
  let parsed;
  try {
    // A plugin named on argv is loaded first, so its flags parse like a built-in's.
    parsed = await readCommandLine(argv, BUILT_IN_BACKENDS, Deno.cwd());
  } catch (e) {
    return reportFailure(e, io);
  }
  if (parsed.action === "help") {
    io.stdout(parsed.text);
    return ExitCode.Success;
  }
  if (parsed.action === "version") {
    io.stderr(parsed.text);
    return ExitCode.Success;
  }
  for (const w of parsed.warnings) io.stderr(`${w}\n`);
  const config = parsed.config;
  const [{ run }, { joinMpi, mergeOnRankZero }] = await Promise.all([
    import("./core/run.ts"),
    import("./core/distributed/mpi/ranks.ts"),
  ]);
  // The human report goes to stdout unless a report file took it (then stderr) or --quiet.
  const toStdout = reportsToStdout(config);
  const human = config.quiet ? () => {} : toStdout ? io.stderr : io.stdout;
  const deps = await runDeps(io, signal, argv, human);
  let mpi: MpiSession | undefined;
  try {
    // Before the backend connects: a path that cannot be written costs no sweep.
    await checkOutputFiles(config, deps.cwd);
    mpi = joinMpi(config);
    let code: number = await run(config, { ...deps, ranks: mpi?.ranks });
    // With --dist-out - the artifacts are in mpirun's output, for `merge` to read from there.
    const out = config.distributed?.out;
    if (mpi !== undefined && out !== undefined && out !== STDOUT) {
      const { mergeMain } = await import("./core/distributed/merge_cli.ts");
      const mergeDeps = await mergeIo(io);
      code = await mergeOnRankZero(mpi.ranks, code, () => mergeMain([out], mergeDeps));
    }
    mpi?.leave(code, false);
    return code;
  } catch (e) {
    const code = reportFailure(e, io);
    mpi?.leave(code, true);
    return code;
  }
}

/** Writes a report file, or to stdout when its path is `-` (--report-json -). */
function writeFileOrStdout(io: MainIo): (path: string, text: string) => Promise<void> {
  return (path, text) =>
    path === STDOUT ? Promise.resolve(io.stdout(text)) : Deno.writeTextFile(path, text);
}

/** What a run reads and writes in this process; `human` takes the report. */
async function runDeps(
  io: MainIo,
  signal: AbortSignal,
  argv: string[],
  human: (text: string) => void,
): Promise<RunDeps> {
  const [{ mainThreadCpuReader }, { runInfo }] = await Promise.all([
    import("./core/measure/cpu_time.ts"),
    import("./core/report/run_info.ts"),
  ]);
  return {
    stdout: human,
    stderr: io.stderr,
    clock: systemClock,
    cpuUs: mainThreadCpuReader(),
    signal,
    writeTextFile: writeFileOrStdout(io),
    readTextFile: readInputText,
    cwd: Deno.cwd(),
    terminalColumns: io === processIo && Deno.stderr.isTerminal() ? terminalColumns : undefined,
    backends: BUILT_IN_BACKENDS,
    runInfo: () => runInfo(argv),
    argv,
    env: (name) => Deno.env.get(name),
  };
}

/** What `merge` reads and writes through. */
async function mergeIo(io: MainIo): Promise<MergeIo> {
  const { runInfo } = await import("./core/report/run_info.ts");
  return {
    ...io,
    readTextFile: readInputText,
    writeTextFile: writeFileOrStdout(io),
    listDir: listDir,
    cwd: Deno.cwd(),
    backends: BUILT_IN_BACKENDS,
    parseArgs: async (args) => {
      const r = await readCommandLine(args, BUILT_IN_BACKENDS, Deno.cwd());
      if (r.action !== "run") throw new UsageError("merge: the workers' arguments run nothing");
      return r.config;
    },
    runInfo,
  };
}

/** The names in a folder; undefined when `path` is a file (or anything but a folder). */
async function listDir(path: string): Promise<string[] | undefined> {
  try {
    if (!(await Deno.stat(path)).isDirectory) return undefined;
  } catch {
    return undefined;
  }
  const names: string[] = [];
  for await (const e of Deno.readDir(path)) names.push(e.name);
  return names;
}

/** Prints why the tool stops and returns its exit code. */
function reportFailure(e: unknown, io: MainIo): number {
  // Brand checks: a plugin's errors may come from its own copy of core/errors.ts.
  if (isRunError(e)) {
    io.stderr(`error: ${e.message}\n`);
    return e.code;
  }
  // Usage errors come from the parse, or from a plugin's code during the run.
  if (isUsageError(e)) {
    io.stderr(`Error: ${e.message}\n`);
    return ExitCode.Generic;
  }
  io.stderr(`error: unexpected failure: ${(e as Error).stack ?? e}\n`);
  return ExitCode.Generic;
}

/** First SIGINT aborts gracefully; a second one exits at once, as perf_analyzer does. */
function interruptSignal(): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onInt = () => {
    if (controller.signal.aborted) Deno.exit(ExitCode.Success);
    processIo.stderr("Interrupted: finishing the current window (Ctrl-C again to quit now)\n");
    controller.abort();
  };
  Deno.addSignalListener("SIGINT", onInt);
  return { signal: controller.signal, dispose: () => Deno.removeSignalListener("SIGINT", onInt) };
}

/**
 * `deno task pa` runs in the folder holding deno.json; the task passes the folder the user typed
 * the command in, so relative paths (-f out.csv, --input-data, plugin:./x.ts) mean what they say.
 */
const CALLER_CWD_ENV = "PERF_ANALYZER_CWD";

if (import.meta.main) {
  const caller = Deno.env.get(CALLER_CWD_ENV);
  if (caller) Deno.chdir(caller);
  const interrupt = interruptSignal();
  const code = await main(Deno.args, processIo, interrupt.signal);
  interrupt.dispose();
  Deno.exit(code);
}
