/** Routes HTTP requests to the KServe v2 endpoints (docs/protocols.md §1.1). */
import { ModelExecutor } from "../models/executor.ts";
import {
  ApiError,
  errorResponse,
  jsonResponse,
  methodNotAllowed,
  notFound,
  unknownModel,
} from "./http_error.ts";
import { parseInferRequest } from "./infer_request.ts";
import { encodeInferResponse, partsBody } from "./infer_response.ts";
import { modelConfigJson, modelMetadataJson, serverMetadataJson } from "../models/json.ts";
import { MODELS, type ModelSpec } from "../models/mod.ts";
import type { ResolvedOptions } from "../options.ts";
import { handleShm } from "./shm_routes.ts";
import { repositoryIndex } from "./repository_index.ts";
import { declaredTooLarge, declaresTooMuch, readInflated } from "./body.ts";
import { ShmRegistry } from "../models/shm_registry.ts";
import { nowNs } from "../models/stats.ts";
import { handleTfServingRest } from "../tfserving/rest.ts";
import { handleTorchServe, isTorchServePath } from "../torchserve/routes.ts";
import { OpenAiMock } from "../openai/mock.ts";
import { ParameterLog } from "../models/parameter_log.ts";
import { parseTraceBody, traceJson, TraceSettingsStore } from "./trace_settings.ts";

export interface ModelEntry {
  spec: ModelSpec;
  executor: ModelExecutor;
  metadata: string;
  config: string;
}

export interface ServerContext {
  models: Map<string, ModelEntry>;
  serverMetadata: string;
  noConfig: boolean;
  noStats: boolean;
  /** System shared-memory regions, shared by the HTTP and gRPC front ends. */
  shm: ShmRegistry;
  /** The OpenAI-compatible mock under /v1 (server/openai/mock.ts). */
  openai: OpenAiMock;
  /** Custom request parameters each model received, over HTTP and gRPC. */
  parameters: ParameterLog;
  /** Trace settings (global and per model) and their updates, shared by HTTP and gRPC. */
  trace: TraceSettingsStore;
  /** The largest request body (inflated) and gRPC message accepted. */
  maxBodyBytes: number;
}

export function createContext(options: ResolvedOptions, busySpin: boolean): ServerContext {
  const models = new Map<string, ModelEntry>();
  const exec = {
    instances: options.instances,
    computeUs: options.computeUs,
    busySpin,
    stall: options.stall,
    originNs: nowNs(),
  };
  for (const spec of MODELS) {
    models.set(spec.name, {
      spec,
      executor: new ModelExecutor(spec, exec, (name) => models.get(name)!.executor),
      metadata: modelMetadataJson(spec),
      config: modelConfigJson(spec, options.instances),
    });
  }
  return {
    models,
    serverMetadata: serverMetadataJson(options.noConfig, options.noStats),
    noConfig: options.noConfig,
    noStats: options.noStats,
    shm: new ShmRegistry(),
    openai: new OpenAiMock(options.openai, options.stall, exec.originNs),
    parameters: new ParameterLog(),
    trace: new TraceSettingsStore((m) => models.has(m)),
    maxBodyBytes: options.maxBodyBytes,
  };
}

/** The path of an absolute request URL, without query; cheaper than `new URL` per request. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("://") + 3);
  if (start < 0) return "/";
  const query = url.indexOf("?", start);
  return query < 0 ? url.slice(start) : url.slice(start, query);
}

function ok(): Response {
  return new Response(null, { status: 200 });
}

export function handle(ctx: ServerContext, req: Request): Response | Promise<Response> {
  if (declaresTooMuch(req, ctx.maxBodyBytes)) {
    // Every route: nothing of a body that announces too much is read.
    return failure(declaredTooLarge(ctx.maxBodyBytes));
  }
  const segs = pathOf(req.url).split("/");
  if (segs[0] === "" && isTorchServePath(segs[1])) return handleTorchServe(ctx, req, segs);
  if (segs[0] === "" && segs[1] === "v1") {
    // /v1/models/{m}... is TF Serving's; the bare /v1/models and the completion paths are OpenAI's.
    if (OpenAiMock.owns(segs)) return ctx.openai.handle(req, segs);
    return handleTfServingRest(ctx, req, segs);
  }
  // vLLM's Prometheus endpoint, on the API's port as vLLM serves it (Triton's is on its own port).
  if (segs[0] === "" && segs[1] === "metrics" && segs.length === 2) return ctx.openai.metrics(req);
  if (segs[0] !== "" || segs[1] !== "v2") return notFound();
  const get = req.method === "GET";
  if (segs.length === 2) return get ? jsonResponse(200, ctx.serverMetadata) : methodNotAllowed();
  if (segs[2] === "health" && segs.length === 4 && (segs[3] === "live" || segs[3] === "ready")) {
    // Every model is loaded before the listener opens, so live and ready are the same.
    return get ? ok() : methodNotAllowed();
  }
  if (segs[2] === "systemsharedmemory" || segs[2] === "cudasharedmemory") {
    const cuda = segs[2] === "cudasharedmemory";
    return handleShm(ctx.shm, cuda, req, segs.slice(3), ctx.maxBodyBytes);
  }
  if (segs[2] === "repository" && segs.length === 4 && segs[3] === "index" && !ctx.noConfig) {
    if (req.method !== "POST") return methodNotAllowed();
    // Every model is ready, so a {"ready": true} filter changes nothing: the body is not read.
    req.body?.cancel();
    return jsonResponse(200, JSON.stringify(repositoryIndex(ctx.models)));
  }
  if (segs[2] === "trace" && segs.length === 4 && segs[3] === "setting") {
    return traceSetting(ctx, req, "");
  }
  if (segs[2] !== "models" || segs.length < 4) return notFound();
  if (segs.length === 4 && segs[3] === "stats") {
    if (ctx.noStats) return notFound();
    return get ? allStats(ctx) : methodNotAllowed();
  }
  let name: string;
  try {
    name = decodeURIComponent(segs[3]);
  } catch {
    return notFound();
  }
  if (name === "") return notFound();
  let rest = segs.slice(4);
  let version = "";
  if (rest[0] === "versions") {
    if (rest.length < 2 || !/^[0-9]+$/.test(rest[1])) return notFound();
    version = rest[1];
    rest = rest.slice(2);
  }
  if (rest.length === 2 && rest[0] === "trace" && rest[1] === "setting") {
    // Triton keeps trace settings per model, never per version.
    if (version !== "") return errorResponse(400, "trace settings cannot name a model version");
    return traceSetting(ctx, req, name);
  }
  if (rest.length > 1) return notFound();
  return routeModel(ctx, req, name, version, rest.length === 0 ? "" : rest[0]);
}

function routeModel(
  ctx: ServerContext,
  req: Request,
  name: string,
  version: string,
  action: string,
): Response | Promise<Response> {
  const get = req.method === "GET";
  const entry = ctx.models.get(name);
  // Only version 1 exists; "01" names it too, as Triton parses the number.
  const known = entry !== undefined && (version === "" || Number(version) === 1);
  switch (action) {
    case "":
      if (!get) return methodNotAllowed();
      return known ? jsonResponse(200, entry.metadata) : unknown(name, version);
    case "ready":
      if (!get) return methodNotAllowed();
      return known ? ok() : errorResponse(400, "Model version not ready");
    case "config":
      if (ctx.noConfig) return notFound();
      if (!get) return methodNotAllowed();
      return known ? jsonResponse(200, entry.config) : unknown(name, version);
    case "stats":
      if (ctx.noStats) return notFound();
      if (!get) return methodNotAllowed();
      return modelStats(ctx, name, version);
    case "infer":
      if (req.method !== "POST") return methodNotAllowed();
      return known ? infer(ctx, entry, req) : unknown(name, version);
    default:
      // generate and the rest are Triton routes this server does not offer.
      return notFound();
  }
}

/** GET or POST `/v2[/models/{m}]/trace/setting`: the settings that apply, after any update. */
async function traceSetting(ctx: ServerContext, req: Request, model: string): Promise<Response> {
  try {
    if (req.method === "GET") {
      return jsonResponse(200, JSON.stringify(traceJson(ctx.trace.read(model))));
    }
    if (req.method !== "POST") return methodNotAllowed();
    const settings = parseTraceBody(await req.text());
    return jsonResponse(200, JSON.stringify(traceJson(ctx.trace.update(model, settings))));
  } catch (e) {
    return failure(e);
  }
}

function unknown(name: string, version: string): Response {
  const e = unknownModel(name, version);
  return errorResponse(e.status, e.message);
}

function allStats(ctx: ServerContext): Response {
  const model_stats = [...ctx.models.values()].map((m) =>
    m.executor.stats.toJson(m.spec.name, m.spec.version)
  );
  return jsonResponse(200, JSON.stringify({ model_stats }));
}

function modelStats(ctx: ServerContext, name: string, version: string): Response {
  const entry = ctx.models.get(name);
  if (entry === undefined) {
    return errorResponse(400, `requested model '${name}' is not available`);
  }
  if (version !== "" && Number(version) !== 1) {
    return errorResponse(400, `requested model '${name}' version ${version} is not available`);
  }
  const model_stats = [entry.executor.stats.toJson(entry.spec.name, entry.spec.version)];
  return jsonResponse(200, JSON.stringify({ model_stats }));
}

function failure(e: unknown): Response {
  if (e instanceof ApiError) {
    const r = errorResponse(e.status, e.message);
    if (e.status === 501) r.headers.set("accept-encoding", "gzip, deflate");
    return r;
  }
  return errorResponse(500, `internal error: ${(e as Error)?.message ?? String(e)}`);
}

/** Triton's HTTP front end refuses decoupled models before reading the request. */
export const DECOUPLED_OVER_HTTP =
  "HTTP end point doesn't support models with decoupled transaction policy";

async function infer(ctx: ServerContext, entry: ModelEntry, req: Request): Promise<Response> {
  if (entry.spec.decoupled !== undefined) {
    await req.body?.cancel();
    return errorResponse(501, DECOUPLED_OVER_HTTP);
  }
  const headerLength = req.headers.get("inference-header-content-length");
  let body: Uint8Array;
  try {
    // The first blob follows the JSON header: read so that it can be viewed in place.
    body = await readInflated(req, ctx.maxBodyBytes, Number(headerLength ?? 0));
  } catch (e) {
    return failure(e instanceof ApiError ? e : new ApiError(400, "failed to read request body"));
  }
  const arrivalNs = nowNs();
  let parsed;
  try {
    parsed = parseInferRequest(entry.spec, body, headerLength, ctx.shm);
  } catch (e) {
    entry.executor.recordFailure(arrivalNs);
    return failure(e);
  }
  ctx.parameters.record(entry.spec.name, parsed.custom ?? {});
  try {
    // execute() counts its own failures.
    const res = await entry.executor.execute(parsed, arrivalNs, encodeInferResponse);
    if (typeof res.body === "string") return jsonResponse(200, res.body);
    const { body, length } = partsBody(res.body);
    return new Response(body, {
      status: 200,
      headers: {
        "content-type": "application/octet-stream",
        "inference-header-content-length": String(res.headerLength),
        // Said outright: a streamed body would otherwise go out chunked.
        "content-length": String(length),
      },
    });
  } catch (e) {
    return failure(e);
  }
}
