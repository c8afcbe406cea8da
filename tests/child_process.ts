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
  /** The child's peak resident memory in KiB (VmHWM), when sampled (sampleRss). */
  peakRssKb?: number;
}

export interface ChildOptions {
  /** SIGKILL after this long (default 60 s). */
  timeoutMs?: number;
  /** A command the child runs under, e.g. ["prlimit", "--nofile=64"]; it must exec it. */
  wrapper?: string[];
  /** Reads the child's peak resident memory every 50 ms (Linux /proc). */
  sampleRss?: boolean;
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
  let peakRssKb = 0;
  const sample = () => {
    try {
      const status = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      peakRssKb = Math.max(peakRssKb, Number(/^VmHWM:\s+(\d+)/m.exec(status)?.[1] ?? 0));
    } catch { /* gone: the last sample stands */ }
  };
  const sampler = options.sampleRss ? setInterval(sample, 50) : undefined;
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    const run: ChildRun = {
      code: timedOut ? -1 : out.code,
      stdout: dec.decode(out.stdout),
      stderr: dec.decode(out.stderr),
      timedOut,
    };
    if (options.sampleRss) run.peakRssKb = peakRssKb;
    return run;
  } finally {
    clearTimeout(killer);
    clearInterval(sampler);
  }
}
