/**
 * Runs the contract conformance suite (conformance/contract.ts) over one service kind
 * against a fresh embedded reference server per case, printing one pass/fail line per case:
 *
 *   deno task conformance plugin:./my_backend.ts
 *   deno task conformance triton -i grpc
 *
 * Exit code 0 when every case passed, 1 when one failed, 2 for a usage or loading error. The
 * server is always the embedded one, because the cases compare against its exact ground truth.
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../core/backend.ts";
import { loadBackend } from "../core/registry.ts";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";
import { startServer } from "../server/mod.ts";
import { runContractChecks } from "../conformance/contract.ts";

const USAGE = "usage: deno task conformance <service-kind> [-i http|grpc]\n" +
  "  <service-kind>: a built-in kind (triton, torchserve, ...) or plugin:<path-or-URL>";

export interface ConformanceArgs {
  kind: string;
  protocol: "http" | "grpc";
}

export function parseConformanceArgs(argv: string[]): ConformanceArgs {
  const rest = [...argv];
  let protocol: "http" | "grpc" = "http";
  const at = rest.indexOf("-i");
  if (at >= 0) {
    const value = rest[at + 1]?.toLowerCase();
    if (value !== "http" && value !== "grpc") {
      throw new TypeError(`-i must be http or grpc, got "${rest[at + 1] ?? ""}"\n${USAGE}`);
    }
    protocol = value;
    rest.splice(at, 2);
  }
  if (rest.length !== 1 || rest[0].startsWith("-")) {
    throw new TypeError(`expected exactly one service kind, got ${JSON.stringify(rest)}\n${USAGE}`);
  }
  return { kind: rest[0], protocol };
}

/** Runs the suite; `print` gets every line. Returns the exit code. */
export async function conformance(argv: string[], print: (line: string) => void): Promise<number> {
  let args: ConformanceArgs;
  let descriptor: BackendDescriptor;
  try {
    args = parseConformanceArgs(argv);
    descriptor = await loadBackend(args.kind, BUILT_IN_BACKENDS);
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 2;
  }
  if (!descriptor.protocols.includes(args.protocol)) {
    print(
      `error: ${args.kind} does not speak ${args.protocol} (it speaks ${descriptor.protocols})`,
    );
    return 2;
  }
  print(
    `conformance: ${args.kind} (kind '${descriptor.kind}', contract v${BACKEND_CONTRACT_VERSION}, ` +
      `-i ${args.protocol})`,
  );
  const grpc = args.protocol === "grpc";
  const failed = await runContractChecks({
    startServer: async () => {
      const s = await startServer(grpc ? { grpcPort: 0, tfservingPort: 0 } : {});
      // TF Serving's gRPC service has its own listener, as on a real TF Serving.
      const grpcUrl = descriptor.kind === "tfserving" ? s.tfservingUrl! : s.grpcUrl!;
      return Object.assign(s, { url: grpc ? grpcUrl : s.url });
    },
    make: (url) =>
      descriptor.create({
        url,
        protocol: args.protocol,
        headers: [],
        verbose: false,
        own: descriptor.defaults?.(),
      }),
  }, (title, error) => {
    if (error === undefined) print(`  pass  ${title}`);
    else print(`  FAIL  ${title}\n        ${String((error as Error)?.message ?? error)}`);
  });
  print(failed === 0 ? "all checks passed" : `${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await conformance(Deno.args, (l) => console.log(l)));
