/**
 * Worker entry: runs the reference server on its own event loop so a client in the main
 * thread neither slows it down nor is slowed down by it.
 */
import { resolveOptions } from "./options.ts";
import { type ReferenceServer, startResolved } from "./server.ts";
import type { FromWorker, ToWorker } from "./worker_client.ts";

// Deno's default lib types `self` as a window; only these worker members are used.
const scope = self as unknown as {
  onmessage: ((e: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: FromWorker): void;
};

let server: ReferenceServer | undefined;

async function start(msg: Extract<ToWorker, { type: "start" }>): Promise<void> {
  try {
    // A Worker has its own event loop, so spinning through short compute times is safe here.
    server = await startResolved(resolveOptions(msg.options), true);
    const { host, httpPort, url, grpcPort, grpcUrl, tfservingPort, tfservingUrl, metricsUrl } =
      server;
    scope.postMessage({
      type: "started",
      ...{ host, httpPort, url, grpcPort, grpcUrl, tfservingPort, tfservingUrl, metricsUrl },
      timeOrigin: performance.timeOrigin,
    });
  } catch (e) {
    const err = e as Error;
    scope.postMessage({ type: "startFailed", name: err.name, message: err.message });
  }
}

/** Answers a ground-truth query (statistics, sequences, shm, OpenAI) with the same reply shape. */
function groundTruth(msg: Extract<ToWorker, { id: number }>): void {
  try {
    if (server === undefined) throw new Error("Cannot report ground truth: server not started");
    const stats = msg.type === "groundTruth"
      ? server.groundTruth(msg.model)
      : msg.type === "sequences"
      ? server.sequences(msg.model)
      : msg.type === "openaiTruth"
      ? server.openaiTruth(msg.model === "clear")
      : msg.type === "requestParameters"
      ? server.requestParameters(msg.model)
      : server.shmTraffic();
    scope.postMessage({ type: "groundTruth", id: msg.id, stats, error: "" });
  } catch (e) {
    const error = (e as Error).message;
    scope.postMessage({ type: "groundTruth", id: msg.id, stats: undefined, error });
  }
}

scope.onmessage = (e: MessageEvent<ToWorker>) => {
  const msg = e.data;
  if (msg.type === "start") void start(msg);
  else if (msg.type === "close") {
    const closing = server?.close() ?? Promise.resolve();
    closing.then(() => scope.postMessage({ type: "closed" }));
  } else groundTruth(msg);
};
