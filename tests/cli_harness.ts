/**
 * Runs the CLI in-process against a reference server in a Worker and captures what it prints,
 * so end-to-end tests can compare the report with the server's ground truth.
 */
import { main } from "../main.ts";
import { type ServerOptions, startServerWorker } from "../server/mod.ts";
import type { ReferenceServerRemote } from "../server/worker_client.ts";
import { parseCommandLine } from "../core/cli/command_line.ts";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * `-s` for tests about layout or flow, not stability: any three windows that hold requests
 * agree (within a factor of 1001), so a level ends after exactly three windows. A busy machine
 * (another process on every core) makes a tight threshold fail with "Failed to obtain stable
 * measurement" and would turn such a test into a timing test. The stability rule itself is
 * tested without time passing (core/measure/stability_test.ts, level_fake_clock_test.ts).
 */
export const ANY_THREE_WINDOWS = ["-s", "100000"];

/** --service-kind openai with the reference server's mock model on v1/chat/completions. */
export const OPENAI_CHAT = [
  "--service-kind",
  "openai",
  "-m",
  "mock-llm",
  "--endpoint",
  "v1/chat/completions",
];

export async function runCli(args: string[], signal?: AbortSignal): Promise<CliRun> {
  let stdout = "";
  let stderr = "";
  const io = {
    stdout: (t: string) => void (stdout += t),
    stderr: (t: string) => void (stderr += t),
  };
  const code = await main(args, io, signal);
  return { code, stdout, stderr };
}

export async function withServer(
  options: ServerOptions,
  fn: (server: ReferenceServerRemote) => Promise<void>,
): Promise<void> {
  const server = await startServerWorker(options);
  try {
    await fn(server);
  } finally {
    await server.close();
  }
}

/** Runs `fn` with a fresh temporary directory, removed afterwards whatever happens. */
export async function withTempDir(
  prefix: string,
  fn: (dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** The integer after `label` in the first line that contains it (e.g. "Request count: "). */
export function numberAfter(text: string, label: string, from = 0): number {
  const at = text.indexOf(label, from);
  if (at < 0) throw new Error(`"${label}" not found in:\n${text}`);
  return Number(text.slice(at + label.length).match(/^[0-9.]+/)?.[0]);
}

/** Parses "Avg request latency: A usec (overhead B usec + queue C usec + ...)" into numbers. */
export function serverBreakdown(text: string, from = 0): Record<string, number> {
  const at = text.indexOf("Avg request latency: ", from);
  const line = text.slice(at, text.indexOf("\n", at));
  const out: Record<string, number> = {};
  for (const m of line.matchAll(/(Avg request latency|[a-z ]+?):? (\d+) usec/g)) {
    out[m[1].trim()] = Number(m[2]);
  }
  return out;
}

/** The usage error the built-in kinds' parse gives for `argv` (throws when it gives none). */
export function usageError(argv: string[]): string {
  try {
    parseCommandLine(argv, BUILT_IN_BACKENDS);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error(`no usage error for ${argv.join(" ")}`);
}
