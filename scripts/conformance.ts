/**
 * Runs the conformance suite (conformance/mod.ts) over one service kind against a fresh
 * embedded reference server per case (the C API against its C test double), printing one
 * pass/skip/FAIL line per case:
 *
 *   deno task conformance plugin:./my_backend.ts
 *   deno task conformance triton -i grpc [--streaming]
 *
 * Exit code 0 when every case passed or was skipped, 1 when one failed, 2 for a usage or
 * loading error, or a kind that cannot run on this machine (the C API without a C compiler).
 * The peer is always the embedded one, because the cases compare against its exact ground
 * truth. Each backend is made by the kind's descriptor, as a run makes it.
 */
import {
  BACKEND_CONTRACT_VERSION,
  type BackendDescriptor,
  type Protocol,
} from "../core/backend.ts";
import { loadBackend } from "../core/registry.ts";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";
import { type ConformanceFixture, runConformance } from "../conformance/mod.ts";
import {
  capiFixture,
  openaiFixture,
  pluginFixture,
  tfservingFixture,
  torchserveFixture,
  tritonFixture,
} from "../conformance/kinds.ts";

const USAGE = "usage: deno task conformance <service-kind> [-i http|grpc] [--streaming]\n" +
  "  <service-kind>: a built-in kind (triton, torchserve, ...) or plugin:<path-or-URL>";

export interface ConformanceArgs {
  kind: string;
  protocol: Protocol;
  streaming: boolean;
}

export function parseConformanceArgs(argv: string[]): ConformanceArgs {
  const rest = [...argv];
  let protocol: Protocol = "http";
  const at = rest.indexOf("-i");
  if (at >= 0) {
    const value = rest[at + 1]?.toLowerCase();
    if (value !== "http" && value !== "grpc") {
      throw new TypeError(`-i must be http or grpc, got "${rest[at + 1] ?? ""}"\n${USAGE}`);
    }
    protocol = value;
    rest.splice(at, 2);
  }
  const streamingAt = rest.indexOf("--streaming");
  if (streamingAt >= 0) rest.splice(streamingAt, 1);
  if (rest.length !== 1 || rest[0].startsWith("-")) {
    throw new TypeError(`expected exactly one service kind, got ${JSON.stringify(rest)}\n${USAGE}`);
  }
  return { kind: rest[0], protocol, streaming: streamingAt >= 0 };
}

/**
 * The built-in kind's own fixture. A plugin gets `simple`'s INT32 requests (see pluginFixture);
 * its other capabilities are the ones it declares.
 */
function fixtureFor(descriptor: BackendDescriptor, args: ConformanceArgs): ConformanceFixture {
  switch (args.kind) {
    case "triton":
      return tritonFixture(descriptor, args.protocol, { streaming: args.streaming });
    case "tfserving":
      return tfservingFixture(descriptor, args.protocol);
    case "torchserve":
      return torchserveFixture(descriptor);
    case "triton_c_api":
      return capiFixture(descriptor);
    case "openai":
      return openaiFixture(descriptor);
    default:
      return pluginFixture(descriptor, args.protocol, { streaming: args.streaming });
  }
}

/** Runs the suite; `print` gets every line. Returns the exit code. */
export async function conformance(argv: string[], print: (line: string) => void): Promise<number> {
  let args: ConformanceArgs;
  let descriptor: BackendDescriptor;
  let fixture: ConformanceFixture;
  try {
    args = parseConformanceArgs(argv);
    descriptor = await loadBackend(args.kind, BUILT_IN_BACKENDS);
    fixture = fixtureFor(descriptor, args);
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 2;
  }
  // An in-process kind lists no protocol and ignores -i, as a run does.
  const { protocols } = descriptor;
  if (protocols.length > 0 && !protocols.includes(args.protocol)) {
    print(`error: ${args.kind} does not speak ${args.protocol} (it speaks ${protocols})`);
    return 2;
  }
  // As on the command line: the kind declares the protocols it streams on.
  const streams = descriptor.capabilities.streaming.map((p) => `-i ${p}`).join(" or ");
  if (args.streaming && !descriptor.capabilities.streaming.includes(args.protocol)) {
    const why = streams === "" ? "it does not stream" : `it streams on ${streams} only`;
    print(`error: --streaming is refused for ${args.kind}: ${why}`);
    return 2;
  }
  if (fixture.unavailable) {
    print(`error: ${args.kind} cannot run here: ${fixture.unavailable}`);
    return 2;
  }
  const via = protocols.length > 0 ? `-i ${args.protocol}` : "in-process";
  print(
    `conformance: ${args.kind} (kind '${descriptor.kind}', contract v${BACKEND_CONTRACT_VERSION}, ` +
      `${via}${args.streaming ? ", streaming" : ""})`,
  );
  let passed = 0;
  const failed = await runConformance(fixture, (title, result) => {
    if (result.kind === "pass") {
      passed++;
      print(`  pass  ${title}`);
    } else if (result.kind === "skip") print(`  skip  ${title} (${result.reason})`);
    else {
      const error = result.error as Error | undefined;
      print(`  FAIL  ${title}\n        ${String(error?.message ?? error)}`);
    }
  });
  print(failed === 0 ? `all ${passed} checks passed` : `${failed} check(s) failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(await conformance(Deno.args, (l) => console.log(l)));
