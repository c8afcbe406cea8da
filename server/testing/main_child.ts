/**
 * The reference server's main.ts in a child process, for tests of the whole process: its
 * addresses, a way to stop it, and the connection hoarding that runs it out of descriptors.
 * Not a test itself.
 */

export const MAIN = new URL("../main.ts", import.meta.url).pathname;

/** A running `main.ts` child: its HTTP and gRPC addresses, and the way to stop it. */
interface MainChild {
  http: string;
  grpc: string;
  /** SIGTERM, then the exit code once stdout closed. */
  stop(): Promise<number>;
}

/**
 * Spawns main.ts with `args` (plus both listeners on free ports) and reads its address lines;
 * `wrap` runs it under another command (a shell that lowers a limit first). A SIGKILL guard
 * keeps a stuck child from outliving the test.
 */
export async function spawnMain(args: string[], wrap: string[] = []): Promise<MainChild> {
  const deno = [Deno.execPath(), "run", "-A", MAIN, "--http-port", "0", "--grpc-port", "0"];
  const all = [...wrap, ...deno, ...args];
  const child = new Deno.Command(all[0], {
    args: all.slice(1),
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const stop = async () => {
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone; the status says how.
    }
    for (let i = 0; i < 100; i++) if ((await reader.read()).done) break;
    clearTimeout(guard);
    return (await child.status).code;
  };
  let text = "";
  for (let i = 0; i < 100 && text.split("\n").length < 4; i++) {
    const { value, done } = await reader.read();
    if (done) break;
    text += value;
  }
  const m =
    /^reference server: KServe v2 HTTP on https?:\/\/(127\.0\.0\.1:\d+) \(models: simple, simple_string, simple_cached, identity_fp32, repeat_int32, simple_sequence, simple_sequence_string, echo_all, identity_int32, simple_ensemble, simple_bls\)\nreference server: OpenAI mock on https?:\/\/127\.0\.0\.1:\d+\/v1 \(model: mock-llm\)\nreference server: Triton gRPC on (127\.0\.0\.1:\d+)\n$/
      .exec(text);
  if (m === null) {
    await stop();
    throw new Error(`unexpected start-up output: ${text}`);
  }
  return { http: m[1], grpc: m[2], stop };
}

/** Opens up to `count` connections to `addr` (fewer when the server stops taking them). */
export async function hoard(addr: string, count: number): Promise<Deno.Conn[]> {
  const [hostname, port] = addr.split(":");
  const conns: Deno.Conn[] = [];
  for (let i = 0; i < count; i++) {
    try {
      conns.push(await Deno.connect({ hostname, port: Number(port) }));
    } catch {
      break;
    }
  }
  // Let the server try to accept them all.
  await new Promise((r) => setTimeout(r, 500));
  for (const c of conns) c.close();
  return conns;
}

/** `probe` until it resolves true, at most 50 times 100 ms apart. */
export async function eventually(probe: () => Promise<boolean>): Promise<boolean> {
  for (let i = 0; i < 50; i++) {
    if (await probe().catch(() => false)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}
