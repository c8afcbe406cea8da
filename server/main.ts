/**
 * `deno run --allow-net --allow-env --allow-read --allow-sys=uid server/main.ts [options]`: serves
 * the reference models until SIGINT or SIGTERM, then closes cleanly. Bad arguments exit 99. Read
 * and sys=uid are for --grpc-port only: the proto loader reads the .proto files and asks for the
 * uid when it checks that a file exists.
 */
import { CliError, parseArgs, USAGE } from "./cli.ts";
import { MODELS } from "./models/mod.ts";
import { resolveOpenAi } from "./openai/options.ts";
import { resolveOptions } from "./options.ts";
import { startResolved } from "./server.ts";

const EXIT_USAGE = 99;

async function main(args: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs(args);
  } catch (e) {
    if (!(e instanceof CliError)) throw e;
    console.error(`reference server: ${e.message}`);
    return EXIT_USAGE;
  }
  if (parsed.kind === "help") {
    console.log(USAGE);
    return 0;
  }
  let server;
  try {
    // This process serves nothing else, so simulated compute may poll through its last 2 ms:
    // a timer alone fires 1-2 ms late, which would make every --compute-us below that untrue.
    server = await startResolved(resolveOptions(parsed.options), true);
  } catch (e) {
    console.error(`reference server: cannot start: ${(e as Error).message}`);
    return EXIT_USAGE;
  }
  const names = MODELS.map((m) => m.name).join(", ");
  // With TLS, `url` already carries its https:// scheme.
  const base = server.url.startsWith("https://") ? server.url : `http://${server.url}`;
  console.log(`reference server: KServe v2 HTTP on ${base} (models: ${names})`);
  const llm = parsed.options.openai?.model ?? resolveOpenAi().model;
  console.log(`reference server: OpenAI mock on ${base}/v1 (model: ${llm})`);
  if (server.grpcUrl !== undefined) {
    console.log(`reference server: Triton gRPC on ${server.grpcUrl}`);
  }
  if (server.tfservingUrl !== undefined) {
    console.log(`reference server: TF Serving gRPC on ${server.tfservingUrl}`);
  }
  if (server.metricsUrl !== undefined) {
    console.log(`reference server: Prometheus metrics on http://${server.metricsUrl}`);
  }
  await new Promise<void>((resolve) => {
    const stop = () => {
      Deno.removeSignalListener("SIGINT", stop);
      Deno.removeSignalListener("SIGTERM", stop);
      resolve();
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  });
  await server.close();
  return 0;
}

if (import.meta.main) {
  const code = await main(Deno.args);
  if (code !== 0) Deno.exit(code);
}
