/**
 * The open-file limit against the connections an HTTP/1.1 run will open: one per request in
 * flight (gRPC multiplexes its calls over a few connections, so it is not checked). Past the limit a run used to crash mid-sweep ("Too many open files") or, open loop, hang
 * with every new connection failing. Deno raises the soft limit to the hard one when it starts,
 * so what is read here is already the most this process can get; a closed-loop level that needs
 * more is refused before the run, and an open-loop in-flight cap is lowered to fit.
 */
import type { RunConfig } from "./config.ts";
import { RunError } from "../errors.ts";

/** The process's open-file limit and how many files it has open now. */
export interface OpenFiles {
  limit: number;
  open: number;
}

/**
 * Files kept free for what is not a load connection: the control connection (metadata,
 * statistics), a metrics scrape, the output files, TLS material, shared-memory regions.
 */
export const RESERVED_FILES = 32;

/** Linux's view of this process; undefined where /proc cannot be read (then nothing is checked). */
export function readOpenFiles(): OpenFiles | undefined {
  try {
    const line = Deno.readTextFileSync("/proc/self/limits").split("\n")
      .find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    if (soft === undefined || soft === "unlimited") return undefined;
    let open = 0;
    for (const _ of Deno.readDirSync("/proc/self/fd")) open++;
    return { limit: Number(soft), open };
  } catch {
    return undefined;
  }
}

/**
 * `config` fitted to the open-file limit: unchanged when the connections fit, with a lower
 * open-loop in-flight cap (and a warning) when they do not, or a RunError (exit 99) naming the
 * concurrency, the limit and the value to raise it to when a closed-loop level cannot fit.
 */
export function fitOpenFiles(
  config: RunConfig,
  files: OpenFiles,
  warn: (message: string) => void,
): RunConfig {
  const budget = files.limit - files.open - RESERVED_FILES;
  if (config.loadMode === "concurrency") {
    const { start, end } = config.concurrency;
    const peak = Math.max(start, end);
    if (peak <= budget) return config;
    throw new RunError(
      `concurrency ${peak} needs ${peak} connections, more than the open-file limit allows: ` +
        `the limit is ${files.limit} with ${files.open} files open; raise it to at least ` +
        `${peak + files.open + RESERVED_FILES} (ulimit -Hn and -n) or lower --concurrency-range`,
    );
  }
  const flag = config.async ? "--max-inflight" : "--max-threads";
  const cap = config.async ? config.maxInflight : config.maxThreads;
  if (cap <= budget) return config;
  const fitted = Math.max(1, budget);
  warn(
    `WARNING: ${flag} ${cap} lowered to ${fitted}: the open-file limit is ${files.limit} with ` +
      `${files.open} files open (requests over the cap wait for a free connection, and their ` +
      "latency counts the wait)",
  );
  return config.async ? { ...config, maxInflight: fitted } : { ...config, maxThreads: fitted };
}
