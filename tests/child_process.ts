/**
 * Runs main.ts in a child process with a deadline, for hostile-input tests: a regression there
 * is a hang, a runaway allocation or a crash, which must end the child, never the test runner.
 * Not a test itself.
 */
const MAIN = new URL("../main.ts", import.meta.url).pathname;

export interface ChildRun {
  /** Exit code; -1 when the deadline killed the child. */
  code: number;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

export interface ChildOptions {
  /** SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
  /** A command the child runs under, e.g. ["prlimit", "--nofile=64"]. */
  wrapper?: string[];
}

export async function runChild(args: string[], options: ChildOptions = {}): Promise<ChildRun> {
  const wrapper = options.wrapper ?? [];
  const argv = [...wrapper, Deno.execPath(), "run", "-A", MAIN, ...args];
  const child = new Deno.Command(argv[0], {
    args: argv.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).spawn();
  let timedOut = false;
  const killer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, options.timeoutMs ?? 60_000);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    return {
      code: timedOut ? -1 : out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      timedOut,
    };
  } finally {
    clearTimeout(killer);
  }
}
