/**
 * The non-inference RPCs of inference.GRPCInferenceService and grpc.health.v1.Health: the
 * same answers as the HTTP routes, built from the same context. Each handler takes the
 * decoded request and returns the response object, or throws (ApiError or a gRPC status).
 */
import type { ProtoModelRef } from "./proto.ts";
import { GrpcCode } from "../../wire/grpc/status.ts";
import { ApiError, invalidArg, unknownModel } from "../kserve/http_error.ts";
import type { ModelEntry, ServerContext } from "../kserve/routes.ts";
import { repositoryIndex } from "../kserve/repository_index.ts";
import { shmHandlers } from "./shm.ts";
import type { TraceSettingsStore, TraceValues } from "../kserve/trace_settings.ts";

/** A unary RPC body: decoded request in, response object out. */
// deno-lint-ignore no-explicit-any
export type UnaryFn = (request: any, metadata: ReadonlyMap<string, string>) => unknown;

/** The model a request names; only version 1 exists (empty = let the server choose). */
export function resolveModel(ctx: ServerContext, name: string, version: string): ModelEntry {
  if (version !== "" && !/^[0-9]+$/.test(version)) {
    throw invalidArg(
      `failed to get model version from specified version string '${version}', version ` +
        "should be an integral value > 0",
    );
  }
  const entry = ctx.models.get(name);
  if (entry === undefined || (version !== "" && Number(version) !== 1)) {
    throw unknownModel(name, version);
  }
  return entry;
}

function statistics(ctx: ServerContext, req: ProtoModelRef) {
  const json = (e: ModelEntry) => e.executor.stats.toJson(e.spec.name, e.spec.version);
  if (req.name === "") return { model_stats: [...ctx.models.values()].map(json) };
  const entry = ctx.models.get(req.name);
  // Triton's core answers INVALID_ARG here (HTTP 400), not NOT_FOUND.
  if (entry === undefined) {
    throw invalidArg(`requested model '${req.name}' is not available`);
  }
  if (req.version !== "" && Number(req.version) !== 1) {
    throw invalidArg(`requested model '${req.name}' version ${req.version} is not available`);
  }
  return { model_stats: [json(entry)] };
}

function modelReady(ctx: ServerContext, req: ProtoModelRef) {
  try {
    resolveModel(ctx, req.name, req.version);
    return { ready: true };
  } catch (e) {
    // An unknown model is simply not ready; a malformed version is still an error.
    if (e instanceof ApiError && e.status === 404) return { ready: false };
    throw e;
  }
}

/**
 * Every non-inference RPC this server answers. ModelConfig and ModelStatistics are left
 * out under noConfig / noStats, like a KServe server whose proto lacks them: their paths
 * are unknown, so the call fails UNIMPLEMENTED "The server does not implement the method
 * /inference.GRPCInferenceService/...". RepositoryIndex is Triton's too, so it goes with
 * ModelConfig; the other repository RPCs (load, unload) and the log RPCs are not offered, as on
 * the HTTP side.
 */
export function metadataHandlers(ctx: ServerContext): Record<string, UnaryFn> {
  const handlers: Record<string, UnaryFn> = {
    // Every model is loaded before the listener opens, so live and ready are the same.
    ServerLive: () => ({ live: true }),
    ServerReady: () => ({ ready: true }),
    ModelReady: (req: ProtoModelRef) => modelReady(ctx, req),
    ServerMetadata: () => JSON.parse(ctx.serverMetadata),
    ModelMetadata: (req: ProtoModelRef) =>
      JSON.parse(resolveModel(ctx, req.name, req.version).metadata),
    ...shmHandlers(ctx.shm),
    TraceSetting: (req: TraceSettingRequest) => traceSetting(ctx.trace, req),
  };
  if (!ctx.noConfig) {
    handlers.ModelConfig = (req: ProtoModelRef) => ({
      config: JSON.parse(resolveModel(ctx, req.name, req.version).config),
    });
    handlers.RepositoryIndex = () => ({ models: repositoryIndex(ctx.models) });
  }
  if (!ctx.noStats) handlers.ModelStatistics = (req: ProtoModelRef) => statistics(ctx, req);
  return handlers;
}

/** TraceSettingRequest: no settings reads, each named one is set (an empty list clears it). */
interface TraceSettingRequest {
  settings?: Record<string, { value?: string[] }>;
  model_name: string;
}

function traceSetting(store: TraceSettingsStore, req: TraceSettingRequest) {
  const given = Object.entries(req.settings ?? {});
  const values: TraceValues = given.length === 0 ? store.read(req.model_name) : store.update(
    req.model_name,
    Object.fromEntries(
      given.map((
        [key, v],
      ) => [key, v.value === undefined || v.value.length === 0 ? null : v.value]),
    ),
  );
  return {
    settings: Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }])),
  };
}

const SERVED = new Set(["", "inference.GRPCInferenceService"]);

/**
 * grpc.health.v1.Health/Check: SERVING for the whole server ("") and the inference service;
 * any other name is NOT_FOUND, as the standard health protocol specifies.
 */
export function healthHandlers(): Record<string, UnaryFn> {
  return {
    Check: (req: { service: string }) => {
      if (SERVED.has(req.service)) return { status: "SERVING" };
      throw { code: GrpcCode.NOT_FOUND, details: `unknown service ${req.service}` };
    },
  };
}
