/**
 * TorchServe's inference API on the reference server's HTTP port (docs/protocols.md §5.1): GET
 * /ping and POST /predictions/{model}[/{version}]. A TorchServe handler chooses its own body
 * format; the simulated handler here reads one JSON object of input name → flat element list and
 * answers with a JSON object of output name → flat element list. The body is either the raw request
 * body (TorchServe's input "body") or the multipart field "data" that perf_analyzer sends. Requests
 * run through the same ModelExecutor as the KServe routes, so the ground truth
 * (server/models/stats.ts) counts them exactly the same way.
 */
import { elementCount } from "../../wire/kserve/datatypes.ts";
import { ApiError } from "../kserve/http_error.ts";
import type { InferRequest, RawInput } from "../kserve/infer_request.ts";
import { validateAgainstModel } from "../kserve/infer_validate.ts";
import { flattenJsonData } from "../kserve/json_data.ts";
import type { ModelSpec, Tensor } from "../models/mod.ts";
import type { ModelEntry, ServerContext } from "../kserve/routes.ts";
import { nowNs } from "../models/stats.ts";
import { tensorJsonData } from "../kserve/tensor_codec.ts";
import { readTorchServeBody, torchServeError } from "./body.ts";

/** True for the paths this module answers (the first path segment after "/"). */
export function isTorchServePath(firstSegment: string): boolean {
  return firstSegment === "ping" || firstSegment === "predictions";
}

const PING_BODY = JSON.stringify({ status: "Healthy" }, null, 2);

/** Routes one TorchServe request; `segs` is the path split on "/" (segs[0] is ""). */
export function handleTorchServe(
  ctx: ServerContext,
  req: Request,
  segs: string[],
): Response | Promise<Response> {
  if (segs[1] === "ping" && segs.length === 2) {
    if (req.method !== "GET" && req.method !== "POST") return methodNotAllowed();
    // Every model is loaded before the listener opens, so the server is always healthy.
    return new Response(PING_BODY, { headers: { "content-type": "application/json" } });
  }
  if (segs[1] !== "predictions" || segs.length < 3 || segs.length > 4 || segs[2] === "") {
    return torchServeError(
      404,
      "ResourceNotFoundException",
      "Requested resource is not found, please refer to API document.",
    );
  }
  if (req.method !== "POST" && req.method !== "PUT") return methodNotAllowed();
  let name: string;
  let version: string;
  try {
    name = decodeURIComponent(segs[2]);
    version = segs.length === 4 ? decodeURIComponent(segs[3]) : "";
  } catch {
    return torchServeError(400, "BadRequestException", "Invalid percent-encoding in the path");
  }
  const entry = ctx.models.get(name);
  if (entry === undefined) {
    return torchServeError(404, "ModelNotFoundException", `Model not found: ${name}`);
  }
  // Only version 1 exists (TorchServe versions are strings such as "1.0"; "1" and "1.0" match).
  if (version !== "" && Number(version) !== 1) {
    return torchServeError(
      404,
      "ModelVersionNotFoundException",
      `Model version: ${version} does not exist for model: ${name}`,
    );
  }
  return predict(entry, req, ctx.maxBodyBytes);
}

function methodNotAllowed(): Response {
  return torchServeError(
    405,
    "MethodNotAllowedException",
    "Requested method is not allowed, please refer to API document.",
  );
}

/** What the simulated handler raises for a body it cannot run (TorchServe's PredictionException). */
function predictionError(message: string): ApiError {
  return new ApiError(400, message);
}

async function predict(entry: ModelEntry, req: Request, maxBodyBytes: number): Promise<Response> {
  const spec = entry.spec;
  if (spec.decoupled !== undefined || spec.sequence !== undefined) {
    await req.body?.cancel();
    return torchServeError(
      400,
      "PredictionException",
      `model '${spec.name}' is ${spec.decoupled ? "decoupled" : "a sequence model"}; ` +
        "the TorchServe routes serve only stateless single-response models",
    );
  }
  const arrivalNs = nowNs();
  let parsed: InferRequest;
  try {
    parsed = parseBody(spec, await readTorchServeBody(req, maxBodyBytes));
    parsed.batchSize = validateAgainstModel(spec, parsed);
  } catch (e) {
    entry.executor.recordFailure(arrivalNs);
    return failure(e);
  }
  try {
    const body = await entry.executor.execute(parsed, arrivalNs, encodeOutputs);
    return new Response(body, { headers: { "content-type": "application/json" } });
  } catch (e) {
    return failure(e);
  }
}

function failure(e: unknown): Response {
  if (e instanceof ApiError) return torchServeError(e.status, "PredictionException", e.message);
  return torchServeError(503, "InternalServerException", "Prediction failed");
}

/** The handler's input format: {"INPUT0": [..], "INPUT1": [..]}, flat row-major lists. */
function parseBody(spec: ModelSpec, body: Uint8Array): InferRequest {
  let root: unknown;
  try {
    root = JSON.parse(new TextDecoder().decode(body));
  } catch (e) {
    throw predictionError(`the request body is not JSON: ${(e as Error).message}`);
  }
  if (typeof root !== "object" || root === null || Array.isArray(root)) {
    throw predictionError('the request body must be a JSON object {"<input name>": [values]}');
  }
  const values = root as Record<string, unknown>;
  const inputs: RawInput[] = [];
  for (const [name, data] of Object.entries(values)) {
    const io = spec.inputs.find((i) => i.name === name);
    if (io === undefined) {
      throw predictionError(`unexpected input '${name}' for model '${spec.name}'`);
    }
    if (!Array.isArray(data)) {
      throw predictionError(`input '${name}' must be a flat JSON list of elements`);
    }
    const shape = inferShape(spec, io.dims, data.length, name);
    const json = flattenJsonData(name, io.datatype, data, elementCount(shape));
    inputs.push({ name, datatype: io.datatype, shape, json, binary: undefined });
  }
  const outputs = spec.outputs.map((o) => ({ name: o.name, binary: false }));
  return { id: "", inputs, outputs, batchSize: 0 };
}

/**
 * The full shape of a flat list: a batching model with fixed dims takes length / item-size
 * items (TorchServe has no shape field; the element count is all there is), a variable dim
 * takes the whole list as one item.
 */
function inferShape(spec: ModelSpec, dims: number[], length: number, name: string): number[] {
  const variable = dims.some((d) => d < 0);
  const fixed = variable ? dims.map((d) => (d < 0 ? length : d)) : dims;
  if (spec.maxBatchSize === 0) return fixed;
  const item = elementCount(fixed);
  if (item === 0 || length % item !== 0 || length === 0) {
    throw predictionError(
      `input '${name}' has ${length} elements, not a whole number of ${item}-element items`,
    );
  }
  return [length / item, ...fixed];
}

/** The compute-output phase: every output as a flat JSON list. */
function encodeOutputs(
  _spec: ModelSpec,
  req: InferRequest,
  outputs: ReadonlyMap<string, Tensor>,
): string {
  const out: Record<string, unknown[]> = {};
  for (const requested of req.outputs) {
    const t = outputs.get(requested.name);
    if (t !== undefined) out[requested.name] = tensorJsonData(t);
  }
  return JSON.stringify(out);
}
