/** Client-side helpers the server tests share: request building and response parsing. */

import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export interface InferReply {
  status: number;
  contentType: string;
  /** The JSON header (or the whole JSON body). */
  json: Record<string, unknown>;
  /** Binary outputs by name, sliced by binary_data_size in header order. */
  blobs: Map<string, Uint8Array>;
  headerLength: number | undefined;
}

export interface OutputJson {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: { binary_data_size?: number };
  data?: unknown[];
}

/** Header JSON followed by blobs, plus the Inference-Header-Content-Length to send. */
export function binaryBody(
  header: unknown,
  blobs: Uint8Array[],
): { body: Uint8Array; headerLength: number } {
  const head = encoder.encode(JSON.stringify(header));
  const total = blobs.reduce((n, b) => n + b.length, head.length);
  const body = new Uint8Array(total);
  body.set(head);
  let offset = head.length;
  for (const b of blobs) {
    body.set(b, offset);
    offset += b.length;
  }
  return { body, headerLength: head.length };
}

export function int32Blob(values: number[]): Uint8Array {
  return new Uint8Array(Int32Array.from(values).buffer);
}

export function bytesBlob(values: string[]): Uint8Array {
  return encodeStringElements(values);
}

/** Sends one infer request; body may be a JSON value or pre-built bytes. */
export async function infer(
  url: string,
  model: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<InferReply> {
  const raw = body instanceof Uint8Array ? body : encoder.encode(JSON.stringify(body));
  const res = await fetch(`http://${url}/v2/models/${model}/infer`, {
    method: "POST",
    headers,
    body: raw as Uint8Array<ArrayBuffer>,
  });
  const bytes = new Uint8Array(await res.arrayBuffer());
  const ihcl = res.headers.get("inference-header-content-length");
  const headerLength = ihcl === null ? undefined : Number(ihcl);
  const json = JSON.parse(decoder.decode(bytes.subarray(0, headerLength ?? bytes.length)));
  const blobs = new Map<string, Uint8Array>();
  let offset = headerLength ?? bytes.length;
  for (const out of (json.outputs ?? []) as OutputJson[]) {
    const size = out.parameters?.binary_data_size;
    if (size === undefined) continue;
    blobs.set(out.name, bytes.slice(offset, offset + size));
    offset += size;
  }
  if (offset !== bytes.length) throw new Error(`response has ${bytes.length - offset} extra bytes`);
  return {
    status: res.status,
    contentType: res.headers.get("content-type") ?? "",
    json,
    blobs,
    headerLength,
  };
}

/** A JSON request for `simple` with `batch` rows of INPUT0 = a, INPUT1 = b. */
export function simpleJson(a: number[], b: number[], batch = 1): Record<string, unknown> {
  const rows = (v: number[]) => Array.from({ length: batch }, () => v).flat();
  return {
    inputs: [
      { name: "INPUT0", datatype: "INT32", shape: [batch, 16], data: rows(a) },
      { name: "INPUT1", datatype: "INT32", shape: [batch, 16], data: rows(b) },
    ],
  };
}

export function range16(start = 0): number[] {
  return Array.from({ length: 16 }, (_, i) => start + i);
}

/** GETs a URL and returns status plus parsed JSON (undefined for an empty body). */
export async function getJson(url: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url);
  const text = await res.text();
  return { status: res.status, json: text === "" ? undefined : JSON.parse(text) };
}

export function outputs(reply: InferReply): OutputJson[] {
  return reply.json.outputs as OutputJson[];
}
