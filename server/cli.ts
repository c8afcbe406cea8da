/** Command-line parsing for `server/main.ts`. */
import type { ComputeTime, ServerOptions } from "./options.ts";
import { parseStall } from "./models/stall.ts";
import { applyOpenAiFlag, OPENAI_SWITCHES, OPENAI_USAGE, OPENAI_WITH_VALUE } from "./openai/cli.ts";

export const USAGE =
  `Usage: deno run --allow-net --allow-env --allow-read --allow-sys=uid server/main.ts [options]

Serves the simulated models simple, simple_string, identity_fp32 and repeat_int32 (decoupled)
over KServe v2 HTTP (plus TF Serving REST /v1/models/..., TorchServe routes and an OpenAI mock
LLM under /v1), over Triton
gRPC when --grpc-port is given and over TF Serving gRPC when --tfserving-port is given.

Options:
  --host H            address to listen on (default 127.0.0.1)
  --http-port P       port, 0 lets the OS pick (default 0)
  --grpc-port P       also serve Triton gRPC on this port, 0 lets the OS pick (default: off)
  --tfserving-port P  also serve TF Serving gRPC (PredictionService) on this port (default: off)
  --metrics-port P    also serve Prometheus metrics (2 simulated GPUs) on this port (default: off)
  --compute-us N      simulated compute time per execution in microseconds (default 0);
                      also uniform:MIN:MAX, exponential:MEAN, normal:MEAN:STD or
                      lognormal:MEAN:STD
  --instances N       executions that may run at once per model (default 1)
  --stall EVERY:FOR   stop computing for FOR ms at the start of every EVERY ms (default: off)
  --max-body-bytes N  largest request body (after decompression) and gRPC message; larger
                      ones get HTTP 413 or RESOURCE_EXHAUSTED (default 67108864, 64 MiB)
  --no-config         no /config route and no "model_configuration" extension
  --no-stats          no /stats routes and no "statistics" extension
  --tls-cert FILE     serve HTTPS and gRPC over TLS with this PEM certificate chain
  --tls-key FILE      PEM private key of --tls-cert (required with it)
  --tls-client-ca F   mutual TLS: require client certificates issued by this PEM CA
  -h, --help          print this help

${OPENAI_USAGE}`;

/** A bad command line; main prints the message and exits 99. */
export class CliError extends Error {
  override name = "CliError";
}

export type CliResult = { kind: "help" } | { kind: "run"; options: ServerOptions };

export function bad(flag: string, value: string, expected: string): CliError {
  return new CliError(`invalid value ${JSON.stringify(value)} for ${flag}: expected ${expected}`);
}

export function integer(flag: string, value: string, min: number, max: number): number {
  const n = /^\d+$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in ${min}..${max}`;
    throw bad(flag, value, `an integer ${range}`);
  }
  return n;
}

const COMPUTE_EXPECTED =
  "microseconds >= 0, uniform:MIN:MAX, exponential:MEAN, normal:MEAN:STD or lognormal:MEAN:STD";

function nonNegative(text: string): number {
  const n = /^\d+(\.\d+)?$/.test(text) ? Number(text) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** A duration flag's value (--compute-us and the OpenAI mock's delays). */
export function parseComputeUs(value: string, flag = "--compute-us"): ComputeTime {
  const parts = value.split(":");
  if (parts.length === 1 && !Number.isNaN(nonNegative(value))) return nonNegative(value);
  if (parts.length === 3 && parts[0] === "uniform") {
    const [minUs, maxUs] = [nonNegative(parts[1]), nonNegative(parts[2])];
    if (!Number.isNaN(minUs) && !Number.isNaN(maxUs) && minUs <= maxUs) {
      return { kind: "uniform", minUs, maxUs };
    }
  }
  if (parts.length === 2 && parts[0] === "exponential" && !Number.isNaN(nonNegative(parts[1]))) {
    return { kind: "exponential", meanUs: nonNegative(parts[1]) };
  }
  if (parts.length === 3 && (parts[0] === "normal" || parts[0] === "lognormal")) {
    const [meanUs, stdUs] = [nonNegative(parts[1]), nonNegative(parts[2])];
    const spreadOk = parts[0] === "normal" || meanUs > 0 || stdUs === 0;
    if (!Number.isNaN(meanUs) && !Number.isNaN(stdUs) && spreadOk) {
      return { kind: parts[0], meanUs, stdUs };
    }
  }
  throw bad(flag, value, COMPUTE_EXPECTED);
}

const WITH_VALUE = [
  "--host",
  "--http-port",
  "--grpc-port",
  "--tfserving-port",
  "--metrics-port",
  "--compute-us",
  "--instances",
  "--stall",
  "--tls-cert",
  "--tls-key",
  "--tls-client-ca",
  "--max-body-bytes",
];

/** The --tls-* files; a missing cert or key is reported by resolveOptions (checkServerTls). */
function applyTls(options: ServerOptions, flag: string, value: string): void {
  if (value === "") throw bad(flag, value, "a PEM file path");
  const tls = options.tls ??= { certFile: "", keyFile: "" };
  if (flag === "--tls-cert") tls.certFile = value;
  else if (flag === "--tls-key") tls.keyFile = value;
  else tls.clientCaFile = value;
}

function apply(options: ServerOptions, flag: string, value: string): void {
  if (flag.startsWith("--tls-")) applyTls(options, flag, value);
  else if (flag.startsWith("--openai-")) applyOpenAiFlag(options.openai ??= {}, flag, value);
  else if (flag === "--host") {
    if (value === "") throw bad(flag, value, "a host name or address");
    options.host = value;
  } else if (flag === "--http-port") options.httpPort = integer(flag, value, 0, 65535);
  else if (flag === "--grpc-port") options.grpcPort = integer(flag, value, 0, 65535);
  else if (flag === "--tfserving-port") options.tfservingPort = integer(flag, value, 0, 65535);
  else if (flag === "--metrics-port") options.metricsPort = integer(flag, value, 0, 65535);
  else if (flag === "--stall") {
    const stall = parseStall(value);
    if (!stall) throw bad(flag, value, "EVERY_MS:FOR_MS with 0 < FOR < EVERY");
    options.stall = stall;
  } else if (flag === "--instances") {
    options.instances = integer(flag, value, 1, Number.MAX_SAFE_INTEGER);
  } else if (flag === "--max-body-bytes") {
    options.maxBodyBytes = integer(flag, value, 1, Number.MAX_SAFE_INTEGER);
  } else options.computeUs = parseComputeUs(value);
}

/** Parses the arguments; throws CliError with a one-line message naming the flag. */
export function parseArgs(args: readonly string[]): CliResult {
  const options: ServerOptions = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "-h" || arg === "--help") return { kind: "help" };
    if (OPENAI_SWITCHES.includes(arg)) applyOpenAiFlag(options.openai ??= {}, arg, "");
    else if (arg === "--no-config") options.noConfig = true;
    else if (arg === "--no-stats") options.noStats = true;
    else {
      const eq = arg.indexOf("=");
      const flag = eq > 0 ? arg.slice(0, eq) : arg;
      if (!WITH_VALUE.includes(flag) && !OPENAI_WITH_VALUE.includes(flag)) {
        throw new CliError(`unknown option ${JSON.stringify(arg)} (see --help)`);
      }
      let value: string;
      if (eq > 0) value = arg.slice(eq + 1);
      else if (i + 1 < args.length) value = args[++i];
      else throw new CliError(`missing value for ${flag} (see --help)`);
      apply(options, flag, value);
    }
  }
  return { kind: "run", options };
}
