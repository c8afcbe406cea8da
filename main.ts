/**
 * Entry point and composition root: argv → RunConfig → run → exit code. The only module that
 * touches process-wide state (signals, stdout, Deno.exit), and the one that hands the built-in
 * backends (backends/mod.ts) to the command line and the run; everything it injects is
 * replaceable, so tests call `main()` in-process.
 */
import { systemClock } from "./core/clock.ts";
import { readCommandLine } from "./core/cli/command_line.ts";
import { compareMain } from "./core/report/compare_cli.ts";
import { mainThreadCpuReader } from "./core/measure/cpu_time.ts";
import { ExitCode, isRunError, isUsageError } from "./core/errors.ts";
import { run, type RunDeps } from "./core/run.ts";
import { checkOutputFiles, reportsToStdout, STDOUT } from "./core/report/files.ts";
import { readInputText } from "./core/data/load.ts";
import { BUILT_IN_BACKENDS } from "./backends/mod.ts";
import { runInfo } from "./core/report/run_info.ts";

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
    return compareMain(argv.slice(1), {
      ...io,
      readTextFile: readInputText,
      writeTextFile: (path, text) => Deno.writeTextFile(path, text),
    });
  }
  if (argv[0] === "profile") {
    // GenAI-Perf's `profile`: its flags, our engine (backends/openai/profile/). Loaded here,
    // not at startup: main.ts statically loads only the descriptors.
    try {
      const { profileMain } = await import("./backends/openai/profile/cli.ts");
      return await profileMain(argv.slice(1), {
        run: runDeps(io, signal, argv, io.stdout),
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
  // The human report goes to stdout unless a report file took it (then stderr) or --quiet.
  const toStdout = reportsToStdout(config);
  const human = config.quiet ? () => {} : toStdout ? io.stderr : io.stdout;
  const deps = runDeps(io, signal, argv, human);
  try {
    // Before the backend connects: a path that cannot be written costs no sweep.
    await checkOutputFiles(config, deps.cwd);
    return await run(config, deps);
  } catch (e) {
    return reportFailure(e, io);
  }
}

/** What a run reads and writes in this process; `human` takes the report. */
function runDeps(
  io: MainIo,
  signal: AbortSignal,
  argv: string[],
  human: (text: string) => void,
): RunDeps {
  return {
    stdout: human,
    stderr: io.stderr,
    clock: systemClock,
    cpuUs: mainThreadCpuReader(),
    signal,
    writeTextFile: (path, text) =>
      path === STDOUT ? Promise.resolve(io.stdout(text)) : Deno.writeTextFile(path, text),
    readTextFile: readInputText,
    cwd: Deno.cwd(),
    terminalColumns: io === processIo && Deno.stderr.isTerminal() ? terminalColumns : undefined,
    backends: BUILT_IN_BACKENDS,
    runInfo: () => runInfo(argv),
  };
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
