/**
 * The reference server as a child process for the bench sections that measure the CLI against
 * it (profile-export soak, C API comparison): a separate process, so its CPU is not the CLI's.
 */
const SERVER_TS = new URL("../server/main.ts", import.meta.url).pathname;

export interface ServerProcess {
  /** host:port of its HTTP endpoint. */
  url: string;
  /** host:port of its gRPC endpoint, when started with --grpc-port. */
  grpcUrl: string | undefined;
  child: Deno.ChildProcess;
  stop(): Promise<void>;
}

/** Starts `deno run -A server/main.ts --http-port 0 ...extra` and reads the address it prints. */
export async function startServerProcess(extra: string[] = []): Promise<ServerProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", SERVER_TS, "--http-port", "0", ...extra],
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let text = "";
  const grpc = extra.includes("--grpc-port");
  while (!/http:\/\/(\S+)/.test(text) || (grpc && !/Triton gRPC on (\S+)/.test(text))) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`reference server exited before listening: ${text}`);
    text += value;
  }
  reader.releaseLock();
  const url = /http:\/\/(\S+)/.exec(text)![1];
  return {
    url,
    grpcUrl: /Triton gRPC on (\S+)/.exec(text)?.[1],
    child,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
    },
  };
}
