/**
 * `deno task demo`: starts the embedded reference server on a free loopback port (in its own
 * worker, so it does not share the client's event loop), profiles its `simple` model at
 * concurrency 1..4 with the server-side breakdown, writes the CSV, and stops the server. Each
 * level stops on a confidence interval, so the sweep completes on a busy machine too.
 * Any extra arguments are passed on to perf_analyzer (e.g. `deno task demo -v`).
 */
import { main } from "../main.ts";
import { startServerWorker } from "../server/mod.ts";

const CSV = "demo_results.csv";

/** 300 µs of simulated compute on two instances: queueing shows from concurrency 3 on. */
const server = await startServerWorker({ computeUs: 300, instances: 2 });
let code = 1;
try {
  console.log(`Reference server listening on http://${server.url} (model "simple")\n`);
  const args = [
    "-m",
    "simple",
    "-u",
    server.url,
    "--concurrency-range",
    "1:4",
    "-p",
    "1000",
    // A level ends once the 99 % confidence interval of its average latency is within ±15 %,
    // within at most 20 windows. Every window adds thousands of requests that narrow it, even
    // while other processes keep every core busy (it took 9 windows at ±10 % under such load);
    // perf_analyzer's rule (the last three windows within 10 %) can keep failing there and end
    // the sweep after its first level.
    "--stop-rule",
    "confidence",
    "-s",
    "15",
    "-r",
    "20",
    "-f",
    CSV,
    ...Deno.args,
  ];
  console.log(`perf_analyzer ${args.join(" ")}\n`);
  code = await main(args);
  if (code === 0) console.log(`\nCSV written to ${Deno.cwd()}/${CSV}`);
} finally {
  await server.close();
}
Deno.exitCode = code;
