/**
 * The embedded reference inference server: a strict KServe v2 / Triton HTTP peer on loopback
 * with simulated models and exact statistics (protocols.md §1).
 *
 * ```ts
 * const server = await startServer({ computeUs: 2000, instances: 1 });
 * // perf_analyzer -u ${server.url} -m simple ...
 * const truth = server.groundTruth("simple");
 * await server.close();
 * ```
 */
export type { ComputeTime, ServerOptions } from "./options.ts";
export { type ReferenceServer, startServer } from "./server.ts";
export { type ReferenceServerRemote, startServerWorker } from "./worker_client.ts";
export { MODELS } from "./models.ts";
