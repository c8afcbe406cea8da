/**
 * Service kinds for core's command-line tests, so core tests need no real backend: "kserve"
 * (HTTP and gRPC, everything declared, one flag of its own) and "inproc" (no protocol, no
 * headers, streaming, compression or timeout). The real kinds test their own rules in their
 * folders (backends/<kind>/descriptor_test.ts).
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../backend.ts";
import { parseCommandLine } from "../cli/command_line.ts";
import type { RunConfig } from "../cli/config.ts";
import { isUsageError, UsageError } from "../errors.ts";
import { FakeBackend } from "./fake_backend.ts";

export interface KserveOptions {
  /** --kserve-level <n>: parsed as an integer. */
  level: number;
}

const kserve: BackendDescriptor<KserveOptions> = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "kserve",
  title: "KServe",
  protocols: ["http", "grpc"],
  defaultUrl: { http: "localhost:8000", grpc: "localhost:8001" },
  capabilities: {
    headers: true,
    streaming: ["grpc"],
    compression: true,
    requestTimeout: true,
    outputCapture: true,
    metricsPort: 8002,
  },
  help: { protocols: "", serverStats: "yes", modes: "all" },
  flags: [{
    long: "kserve-level",
    value: "<n>",
    def: "0",
    help: "A kserve-only flag.",
    apply(o, v) {
      o.level = Number(v);
      if (!Number.isInteger(o.level)) throw new UsageError(`bad --kserve-level ${v}`);
    },
  }],
  defaults: () => ({ level: 0 }),
  validate(own) {
    if (own.level < 0) throw new UsageError("--kserve-level must be >= 0.");
  },
  create: () => new FakeBackend(),
};

/** A kind with no transport and no capabilities; tests swap in their own create(). */
export const INPROC: BackendDescriptor = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "inproc",
  title: "In-process",
  protocols: [],
  defaultUrl: {},
  capabilities: {
    headers: false,
    streaming: [],
    compression: false,
    requestTimeout: false,
    outputCapture: false,
  },
  help: { protocols: "none", serverStats: "no", modes: "concurrency" },
  create: () => new FakeBackend(),
};

export const TEST_KINDS: readonly BackendDescriptor[] = [kserve, INPROC];

/** The RunConfig for args (with TEST_KINDS); throws when they ask for help or version. */
export function configOf(args: string[]): RunConfig {
  const r = parseCommandLine(args, TEST_KINDS);
  if (r.action !== "run") throw new Error(`expected a run, got ${r.action}`);
  return r.config;
}

/** The UsageError message parseCommandLine throws for args (with TEST_KINDS). */
export function usageErrorOf(args: string[]): string {
  try {
    parseCommandLine(args, TEST_KINDS);
  } catch (e) {
    if (isUsageError(e)) return e.message;
    throw e;
  }
  throw new Error(`expected a UsageError for: ${args.join(" ")}`);
}
