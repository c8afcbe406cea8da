/**
 * Encodes a KServe v2 inference request once, as the complete HTTP/1.1 request bytes, so the
 * hot path only writes a prepared buffer (docs/protocols.md §1.6, §1.8).
 */
import type { RequestParameter, RequestSpec, TensorData } from "../../core/backend.ts";
import { headerBlock } from "../net/http_request.ts";
import { tensorJsonText } from "../../core/data/tensor_codec.ts";
import type { ShmLayout, ShmWindow } from "./shm_regions.ts";

export interface InferEncoding {
  /** Request target, e.g. /v2/models/simple/infer. */
  path: string;
  hostHeader: string;
  /** -H headers in order. */
  headers: [string, string][];
  inputFormat: "binary" | "json";
  outputFormat: "binary" | "json";
  /** Set with --shared-memory system: tensors travel by region, the body is the JSON only. */
  shm?: ShmLayout;
  /** --request-parameter values: request-level `parameters` of every request. */
  parameters?: readonly RequestParameter[];
}

/** What prepare() returns: the bytes to write for every send of this request. */
export class PreparedInfer {
  constructor(
    readonly bytes: Uint8Array,
    readonly jsonHeaderLength: number,
    readonly shm?: ShmLayout,
  ) {}
}

const utf8 = new TextEncoder();

export function inferPath(model: string, version: string): string {
  const m = `/v2/models/${encodeURIComponent(model)}`;
  return version === "" ? m : `${m}/versions/${encodeURIComponent(version)}`;
}

export function encodeInferRequest(spec: RequestSpec, enc: InferEncoding): PreparedInfer {
  const binary = enc.inputFormat === "binary" && enc.shm === undefined;
  const json = utf8.encode(jsonHeader(spec, enc));
  let bodyLength = json.length;
  if (binary) { for (const t of spec.inputs) bodyLength += t.bytes.length; }
  const contentType = binary && spec.inputs.length > 0
    ? "application/octet-stream"
    : "application/json";
  const head = utf8.encode(
    `POST ${enc.path} HTTP/1.1\r\n` +
      headerBlock(enc, [
        ["Host", enc.hostHeader],
        ["Content-Type", contentType],
        ["Content-Length", String(bodyLength)],
        ["Inference-Header-Content-Length", String(json.length)],
        ["Connection", "keep-alive"],
      ]) + "\r\n",
  );
  const out = new Uint8Array(head.length + bodyLength);
  out.set(head, 0);
  out.set(json, head.length);
  if (binary) {
    let at = head.length + json.length;
    for (const t of spec.inputs) {
      out.set(t.bytes, at);
      at += t.bytes.length;
    }
  }
  return new PreparedInfer(out, json.length, enc.shm);
}

function jsonHeader(spec: RequestSpec, enc: InferEncoding): string {
  if (enc.shm !== undefined) return shmJsonHeader(spec, enc);
  const binary = enc.inputFormat === "binary";
  const inputs = spec.inputs.map((t) => inputJson(t, binary)).join(",");
  const names = spec.outputs;
  const binaryOut = enc.outputFormat === "binary";
  const param = `{"binary_data":${binaryOut}}`;
  if (names.length === 0) {
    // Outputs unknown: ask for all of them in the chosen format.
    const params = requestParams(spec, enc, `"binary_data_output":${binaryOut}`);
    return `{"inputs":[${inputs}],"parameters":{${params}}}`;
  }
  const outputs = names.map((n) => `{"name":${JSON.stringify(n)},"parameters":${param}}`);
  return `{${paramsField(spec, enc)}"inputs":[${inputs}],"outputs":[${outputs.join(",")}]}`;
}

/** Every input and output names its window; the layout lists the outputs to ask for. */
function shmJsonHeader(spec: RequestSpec, enc: InferEncoding): string {
  const shm = enc.shm!;
  const inputs = spec.inputs.map((t, i) =>
    `{"name":${JSON.stringify(t.name)},"shape":${JSON.stringify(t.shape)},` +
    `"datatype":"${t.datatype}","parameters":${regionJson(shm, shm.inputs[i])}}`
  );
  const outputs = [...shm.outputs].map(([name, w]) =>
    `{"name":${JSON.stringify(name)},"parameters":${regionJson(shm, w)}}`
  );
  return `{${paramsField(spec, enc)}"inputs":[${inputs.join(",")}],` +
    `"outputs":[${outputs.join(",")}]}`;
}

function regionJson(shm: ShmLayout, w: ShmWindow): string {
  return `{"shared_memory_region":${JSON.stringify(shm.name)},` +
    `"shared_memory_offset":${w.offset},"shared_memory_byte_size":${w.byteSize}}`;
}

/** `"parameters":{...},` when the request has any, else "". */
function paramsField(spec: RequestSpec, enc: InferEncoding): string {
  const params = requestParams(spec, enc);
  return params === "" ? "" : `"parameters":{${params}},`;
}

/**
 * The members of the request-level `parameters` object: the sequence extension's keys
 * (docs/protocols.md §1.11), then the --request-parameter values with their JSON types
 * (boolean, integer number, string), then `last` when given; "" when there are none.
 */
function requestParams(spec: RequestSpec, enc: InferEncoding, last?: string): string {
  const members: string[] = [];
  const seq = spec.sequence;
  if (seq !== undefined) {
    members.push(
      `"sequence_id":${JSON.stringify(seq.id)},"sequence_start":${seq.start},` +
        `"sequence_end":${seq.end}`,
    );
  }
  for (const p of enc.parameters ?? []) {
    members.push(`${JSON.stringify(p.name)}:${JSON.stringify(p.value)}`);
  }
  if (last !== undefined) members.push(last);
  return members.join(",");
}

function inputJson(t: TensorData, binary: boolean): string {
  const common = `"name":${JSON.stringify(t.name)},"shape":${JSON.stringify(t.shape)},` +
    `"datatype":"${t.datatype}"`;
  if (binary) return `{${common},"parameters":{"binary_data_size":${t.bytes.length}}}`;
  return `{${common},"data":${tensorJsonText(t.datatype, t.bytes)}}`;
}
