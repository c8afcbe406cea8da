/**
 * The embedded reference inference server: a strict KServe v2 / Triton HTTP peer on loopback,
 * and with `grpcPort` a Triton gRPC peer (docs/protocols.md §2), with simulated models (one
 * decoupled, two sequence models, one echo of every datatype), exact statistics shared by
 * both front ends (docs/protocols.md §1), and exact per-sequence ground truth (sequences.ts).
 *
 * ```ts
 * const server = await startServer({ computeUs: 2000, instances: 1, grpcPort: 0 });
 * // perf_analyzer -u ${server.url} -m simple ...
 * // perf_analyzer -i grpc -u ${server.grpcUrl} -m simple ...
 * const truth = server.groundTruth("simple");
 * const seqs = server.sequences("simple_sequence"); // { started, ended, active, ... }
 * // OpenAI mock (server/openai/): POST http://${server.url}/v1/chat/completions ...
 * const llm = server.openaiTruth(); // per request: every event's write time and tokens
 * await server.close();
 * ```
 */
export type { ComputeTime, ServerOptions } from "./options.ts";
export { type ReferenceServer, startServer } from "./server.ts";
export type { SequenceStats } from "./models/sequences.ts";
export type { ShmTraffic } from "./models/shm_registry.ts";
export type { ParameterSetTruth, ReceivedParameter } from "./models/parameter_log.ts";
export type { TraceJson, TraceUpdate } from "./kserve/trace_settings.ts";
export type { OpenAiFault, OpenAiOptions, OpenAiRoleChunk, OpenAiUsage } from "./openai/options.ts";
export type {
  OpenAiEndpoint,
  OpenAiEventKind,
  OpenAiEventTruth,
  OpenAiRequestTruth,
} from "./openai/truth.ts";
export { type ReferenceServerRemote, startServerWorker } from "./worker_client.ts";
export { MODELS } from "./models/mod.ts";
