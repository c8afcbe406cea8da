/**
 * Runs the conformance suite (conformance/mod.ts) over one service kind, printing one
 * pass/skip/FAIL line per check and then the passed, failed and skipped counts:
 *
 *   deno task conformance plugin:./my_backend.ts
 *   deno task conformance triton -i grpc [--streaming]
 *   deno task conformance plugin:./my_backend.ts -u http://127.0.0.1:9000 -m my_model
 *
 * Without -u every check gets a fresh embedded reference server (the C API its C test double)
 * and compares with its exact ground truth. With -u the checks run against that server instead,
 * on -m's model, and those needing the ground truth are skipped, saying what they need. Exit
 * code 0 when no check failed, 1 when one did, 2 for bad arguments, a loading error, a server
 * that cannot describe the model, or a kind that cannot run on this machine (the C API without
 * a C compiler). Each backend is made by the kind's descriptor, as a run makes it.
 */
import {
  BACKEND_CONTRACT_VERSION,
  type BackendDescriptor,
  type Protocol,
} from "../core/backend.ts";
import { loadBackend } from "../core/registry.ts";
import { didYouMean } from "../core/cli/suggest.ts";
import { BUILT_IN_BACKENDS } from "../backends/mod.ts";
import { type ConformanceFixture, runConformance } from "../conformance/mod.ts";
import {
  capiFixture,
  externalFixture,
  type ExternalServer,
  openaiFixture,
  pluginFixture,
  tfservingFixture,
  torchserveFixture,
  tritonFixture,
} from "../conformance/kinds.ts";

const SEE_HELP = "see deno task conformance --help";

export const HELP = `deno task conformance: the backend conformance suite

Runs the one suite every backend passes, built-in kinds and plugins alike, over one service
kind: a pass, skip or FAIL line per check, then how many passed, failed and were skipped. A
check the backend lacks the capability for is skipped, with the capability named.

Without -u, every check starts the embedded reference server and compares what the backend did
with the server's exact ground truth: the requests it counted, the outputs it computed, how long
it held a request. With -u, the checks run against your own server (a plugin for a new protocol
has no other), asking it for -m's model with the synthetic request a run would send; the checks
that need the reference server's ground truth are then skipped, each saying what it needs.

Usage: deno task conformance <service-kind> [options]
  <service-kind>   ${BUILT_IN_BACKENDS.map((d) => d.kind).join(", ")},
                   or plugin:<path-or-URL> for a backend module

Options:
  -u <URL>         Run against this server, not the embedded reference server:
                   http://host:port or https://host:port (-i http), grpc://host:port (-i grpc).
  -m <model>       The model to ask that server for (needed with -u, only with -u).
  -i http|grpc     The protocol (default: http; with -u, the URL's scheme).
  --streaming      One stream per channel, for a kind that streams on that protocol.
  -h, --help       This help.

Exit code: 0 when no check failed, 1 when one failed, 2 for bad arguments, a backend module
that does not load, a -u server that cannot describe the model, or a kind that cannot run here.

Examples:
  deno task conformance plugin:./plugins/example/backend.ts
  deno task conformance triton -i grpc --streaming
  deno task conformance plugin:./my_backend.ts -u http://127.0.0.1:9000 -m my_model`;

export interface ConformanceArgs {
  kind: string;
  protocol: Protocol;
  streaming: boolean;
  /** -u and -m: run against that server instead of the reference server. */
  server?: Omit<ExternalServer, "streaming">;
}

/** --help, or the arguments of a run. */
export type ConformanceCommand = { help: true } | ({ help: false } & ConformanceArgs);

const OPTIONS = ["-u", "-m", "-i", "--streaming", "--help", "-h"];
const SCHEMES: Record<string, Protocol> = { "http:": "http", "https:": "http", "grpc:": "grpc" };

/** The protocol -u's scheme names and what the backend gets as -u (grpc:// is dropped). */
function serverUrl(url: string): { protocol: Protocol; url: string } {
  const scheme = /^([a-z][a-z0-9+.-]*:)\/\/[^/]/i.exec(url)?.[1].toLowerCase() ?? "";
  const protocol = SCHEMES[scheme];
  if (protocol === undefined) {
    throw new TypeError(
      `-u needs a URL with its scheme: http://host:port, https://host:port or grpc://host:port ` +
        `(got "${url}")`,
    );
  }
  return { protocol, url: scheme === "grpc:" ? url.slice("grpc://".length) : url };
}

/** Parses the command line; a TypeError says in one line what is wrong with it. */
export function parseConformanceArgs(argv: string[]): ConformanceCommand {
  const values: Record<string, string> = {};
  const kinds: string[] = [];
  let streaming = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") return { help: true };
    if (arg === "--streaming") streaming = true;
    else if (arg === "-u" || arg === "-m" || arg === "-i") {
      const value = argv[++i];
      if (value === undefined || value === "") throw new TypeError(`${arg} needs a value`);
      values[arg] = value;
    } else if (arg.startsWith("-")) {
      throw new TypeError(`unknown option ${arg}.${didYouMean(arg, OPTIONS)} (${SEE_HELP})`);
    } else kinds.push(arg);
  }
  if (kinds.length !== 1) {
    const got = kinds.length === 0 ? "none" : kinds.join(" ");
    throw new TypeError(`expected one service kind, got ${got} (${SEE_HELP})`);
  }
  const given = values["-i"]?.toLowerCase();
  if (given !== undefined && given !== "http" && given !== "grpc") {
    throw new TypeError(`-i must be http or grpc, got "${values["-i"]}"`);
  }
  let protocol: Protocol = given ?? "http";
  let server: ConformanceArgs["server"];
  if (values["-u"] !== undefined) {
    const target = serverUrl(values["-u"]);
    if (given !== undefined && given !== target.protocol) {
      throw new TypeError(`-i ${given} does not match -u ${values["-u"]} (${target.protocol})`);
    }
    if (values["-m"] === undefined) {
      throw new TypeError("-u needs -m <model>: the model to ask that server for");
    }
    protocol = target.protocol;
    server = { url: target.url, protocol, model: values["-m"] };
  } else if (values["-m"] !== undefined) {
    throw new TypeError("-m needs -u <URL>: the reference server's checks use its own models");
  }
  return { help: false, kind: kinds[0], protocol, streaming, server };
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
  let command: ConformanceCommand;
  try {
    command = parseConformanceArgs(argv);
  } catch (e) {
    print(`error: ${(e as Error).message}`);
    return 2;
  }
  if (command.help) {
    print(HELP);
    return 0;
  }
  const args: ConformanceArgs = command;
  let descriptor: BackendDescriptor;
  try {
    descriptor = await loadBackend(args.kind, BUILT_IN_BACKENDS);
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
  if (args.server && protocols.length === 0) {
    print(`error: ${args.kind} runs in-process: there is no server for -u to name`);
    return 2;
  }
  // As on the command line: the kind declares the protocols it streams on.
  const streams = descriptor.capabilities.streaming.map((p) => `-i ${p}`).join(" or ");
  if (args.streaming && !descriptor.capabilities.streaming.includes(args.protocol)) {
    const why = streams === "" ? "it does not stream" : `it streams on ${streams} only`;
    print(`error: --streaming is refused for ${args.kind}: ${why}`);
    return 2;
  }
  let fixture: ConformanceFixture;
  try {
    fixture = args.server
      ? await externalFixture(descriptor, { ...args.server, streaming: args.streaming })
      : fixtureFor(descriptor, args);
  } catch (e) {
    const what = args.server
      ? `cannot describe model '${args.server.model}' at ${args.server.url}: `
      : "";
    print(`error: ${what}${(e as Error).message}`);
    return 2;
  }
  if (fixture.unavailable) {
    print(`error: ${args.kind} cannot run here: ${fixture.unavailable}`);
    return 2;
  }
  const via = protocols.length > 0 ? `-i ${args.protocol}` : "in-process";
  const against = args.server
    ? `${args.server.url}, model '${args.server.model}'`
    : "the embedded reference server";
  print(
    `conformance: ${args.kind} (kind '${descriptor.kind}', contract v${BACKEND_CONTRACT_VERSION}, ` +
      `${via}${args.streaming ? ", streaming" : ""}) against ${against}`,
  );
  let passed = 0;
  let skipped = 0;
  const failed = await runConformance(fixture, (title, result) => {
    if (result.kind === "pass") {
      passed++;
      print(`  pass  ${title}`);
    } else if (result.kind === "skip") {
      skipped++;
      print(`  skip  ${title} (${result.reason})`);
    } else {
      const error = result.error as Error | undefined;
      print(`  FAIL  ${title}\n        ${String(error?.message ?? error)}`);
    }
  });
  print(`${passed} passed, ${failed} failed, ${skipped} skipped`);
  return failed === 0 ? 0 : 1;
}

/** `deno task conformance` runs in the repository; plugin paths are the caller's, as for pa. */
const CALLER_CWD_ENV = "PERF_ANALYZER_CWD";

if (import.meta.main) {
  const caller = Deno.env.get(CALLER_CWD_ENV);
  if (caller) Deno.chdir(caller);
  Deno.exit(await conformance(Deno.args, (l) => console.log(l)));
}
