/**
 * TF Serving's REST API on the reference server's HTTP port (docs/protocols.md §4.4):
 * GET /v1/models/{m}[/versions/{v} | /labels/{l}] (status), .../metadata, and POST ...:predict
 * in columnar ("inputs") or row ("instances") form. Inputs take the signature's dtypes (REST
 * JSON carries none); requests run through tfPredict, so they count in the same ground truth
 * as gRPC and KServe ones. Errors are {"error": "..."} with TF Serving's texts.
 */
import { SIGNATURE_DEF_MAP_URL } from "../../wire/tfserving/proto.ts";
import { nest, unnest } from "./json.ts";
import { ApiError, errorResponse, invalidArg, jsonResponse } from "../kserve/http_error.ts";
import { readLimited } from "../kserve/body.ts";
import type { InferRequest } from "../kserve/infer_request.ts";
import type { ModelSpec, Tensor } from "../models/mod.ts";
import type { ModelEntry, ServerContext } from "../kserve/routes.ts";
import { tensorJsonData } from "../kserve/tensor_codec.ts";
import {
  checkSignature,
  resolveTfModel,
  signatureDef,
  type TfInput,
  tfPredict,
  type VersionChoice,
} from "./model.ts";

type Action = "status" | "metadata" | "predict";

/** The model, version and action a /v1/models/... path names, or undefined when malformed. */
function parsePath(
  rest: string,
): { name: string; version: VersionChoice; action: Action } | undefined {
  let action: Action = "status";
  if (rest.endsWith(":predict")) [action, rest] = ["predict", rest.slice(0, -8)];
  else if (rest.endsWith("/metadata")) [action, rest] = ["metadata", rest.slice(0, -9)];
  const parts = rest.split("/").map(decodeURIComponent);
  if (parts[0] === "") return undefined;
  if (parts.length === 1) return { name: parts[0], version: { kind: "latest" }, action };
  if (parts.length !== 3 || parts[2] === "") return undefined;
  if (parts[1] === "versions" && /^\d+$/.test(parts[2])) {
    return { name: parts[0], version: { kind: "number", value: parts[2] }, action };
  }
  if (parts[1] === "labels") {
    return { name: parts[0], version: { kind: "label", value: parts[2] }, action };
  }
  return undefined;
}

/** Routes one /v1 request; `segs` is the path split on "/" (segs[1] is "v1"). */
export async function handleTfServingRest(
  ctx: ServerContext,
  req: Request,
  segs: string[],
): Promise<Response> {
  const target = segs[2] === "models" ? parsePath(segs.slice(3).join("/")) : undefined;
  const wantMethod = target?.action === "predict" ? "POST" : "GET";
  if (target === undefined || req.method !== wantMethod) {
    return errorResponse(404, `Malformed request: ${req.method} /${segs.slice(1).join("/")}`);
  }
  try {
    const entry = resolveTfModel(ctx, target.name, target.version);
    if (target.action === "status") return jsonResponse(200, STATUS_BODY);
    if (target.action === "metadata") return jsonResponse(200, metadataBody(entry.spec));
    const body = await readLimited(req, ctx.maxBodyBytes);
    return jsonResponse(200, await predict(entry, new TextDecoder().decode(body)));
  } catch (e) {
    if (e instanceof ApiError) return errorResponse(e.status, e.message);
    throw e;
  }
}

const STATUS_BODY = JSON.stringify({
  model_version_status: [{
    version: "1",
    state: "AVAILABLE",
    status: { error_code: "OK", error_message: "" },
  }],
});

/** GetModelMetadataResponse in proto JSON: int64 dim sizes as strings, the Any's "@type". */
function metadataBody(spec: ModelSpec): string {
  return JSON.stringify(
    {
      model_spec: { name: spec.name, signature_name: "", version: "1" },
      metadata: {
        signature_def: {
          "@type": SIGNATURE_DEF_MAP_URL,
          signature_def: { serving_default: signatureDef(spec) },
        },
      },
    },
    (key, value) => key === "size" ? String(value) : value,
  );
}

/** The body as an object with exactly one of "inputs" / "instances". */
function parseBody(text: string): { signature: string; columnar: boolean; data: unknown } {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw invalidArg(`JSON Parse error: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidArg("JSON Value not an object");
  }
  const b = body as Record<string, unknown>;
  if (("inputs" in b) === ("instances" in b)) {
    throw invalidArg(
      "JSON Value must have exactly one of 'instances' (row format) or 'inputs' (columnar format) key",
    );
  }
  const signature = b.signature_name ?? "";
  if (typeof signature !== "string") throw invalidArg("'signature_name' key must be a string");
  return { signature, columnar: "inputs" in b, data: b.inputs ?? b.instances };
}

/** Each named input's nested list: columnar as given, row format stacked along dim 0. */
function namedLists(spec: ModelSpec, columnar: boolean, data: unknown): Map<string, unknown> {
  const single = spec.inputs.length === 1 ? spec.inputs[0].name : undefined;
  const isMap = (x: unknown) => typeof x === "object" && x !== null && !Array.isArray(x);
  if (columnar) {
    if (single !== undefined && !isMap(data)) return new Map([[single, data]]);
    if (!isMap(data)) throw invalidArg("'inputs' must be an object of input name to list");
    return new Map(Object.entries(data as Record<string, unknown>));
  }
  if (!Array.isArray(data)) throw invalidArg("'instances' must be a list");
  if (single !== undefined && !data.every(isMap)) return new Map([[single, data]]);
  const out = new Map<string, unknown[]>();
  data.forEach((row, i) => {
    if (!isMap(row)) throw invalidArg(`instances[${i}] must be an object of input name to value`);
    for (const [name, value] of Object.entries(row as Record<string, unknown>)) {
      if (!out.has(name)) out.set(name, []);
      out.get(name)!.push(value);
    }
  });
  return out;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** A {"b64": ...} leaf as its (UTF-8) string, the form the JSON infer path takes. */
function leaf(name: string, x: unknown): unknown {
  if (typeof x !== "object" || x === null) return x;
  const b64 = (x as { b64?: unknown }).b64;
  if (typeof b64 !== "string") {
    throw invalidArg(`tensor '${name}' has an object element that is not {"b64": ...}`);
  }
  try {
    return utf8.decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)));
  } catch {
    throw invalidArg(`tensor '${name}': {"b64"} must hold base64 of UTF-8 text here`);
  }
}

function inputsOf(spec: ModelSpec, columnar: boolean, data: unknown): Map<string, TfInput> {
  const inputs = new Map<string, TfInput>();
  for (const [name, value] of namedLists(spec, columnar, data)) {
    // Unknown names get the checks and texts of server/tfserving/model.ts; a stand-in dtype suffices.
    const datatype = spec.inputs.find((i) => i.name === name)?.datatype ?? spec.inputs[0].datatype;
    const { shape, flat } = unnest(name, value);
    inputs.set(name, { datatype, shape, json: flat.map((x) => leaf(name, x)) });
  }
  return inputs;
}

/** Outputs in TF Serving's reply shapes (one output: its bare list; several: by name). */
function replyOf(columnar: boolean) {
  return (_spec: ModelSpec, req: InferRequest, outputs: ReadonlyMap<string, Tensor>): string => {
    const lists = req.outputs.flatMap(({ name }) => {
      const t = outputs.get(name);
      return t === undefined ? [] : [{ name, t, value: nest(tensorJsonData(t), t.shape) }];
    });
    if (columnar) {
      const value = lists.length === 1
        ? lists[0].value
        : Object.fromEntries(lists.map((l) => [l.name, l.value]));
      return JSON.stringify({ outputs: value });
    }
    const rows = lists.length === 0 ? 0 : lists[0].t.shape[0] ?? 0;
    const predictions = Array.from(
      { length: rows },
      (_, i) =>
        lists.length === 1
          ? (lists[0].value as unknown[])[i]
          : Object.fromEntries(lists.map((l) => [l.name, (l.value as unknown[])[i]])),
    );
    return JSON.stringify({ predictions });
  };
}

async function predict(entry: ModelEntry, text: string): Promise<string> {
  const { signature, columnar, data } = parseBody(text);
  checkSignature(signature);
  // tfPredict counts a refused request (a ragged list, say) as a failure.
  const decode = () => ({ inputs: inputsOf(entry.spec, columnar, data), filter: [] });
  return await tfPredict(entry, decode, replyOf(columnar));
}
