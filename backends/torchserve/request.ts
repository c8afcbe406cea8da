/**
 * Encodes a TorchServe prediction request once (docs/protocols.md §5.1): POST
 * /predictions/{model}[/{version}] with a multipart/form-data body holding one part named
 * "data" whose content is the file named by the request's TORCHSERVE_INPUT element, as
 * perf_analyzer's torchserve client sends it (curl `-F data=@<file>`), or with the file as
 * the raw body (--torchserve-body raw). The file is read here, once per dataset entry; the
 * hot path only writes the prepared bytes.
 */
import type { RequestSpec } from "../../core/backend.ts";
import { decodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { RunError } from "../../core/errors.ts";
import { headerBlock } from "../net/http_request.ts";

/** The input name perf_analyzer's torchserve mode reads file paths from. */
export const TORCHSERVE_INPUT = "TORCHSERVE_INPUT";

/** The complete request bytes; the class lets the channel refuse foreign prepared requests. */
export class PreparedPrediction {
  constructor(readonly bytes: Uint8Array, readonly file: string) {}
}

export interface PredictionEncoding {
  hostHeader: string;
  headers: [string, string][];
  /** Reads a file named in the data (injected so tests need no disk). */
  readFile: (path: string) => Uint8Array;
  /** The file as multipart field "data", or as the whole body. */
  body: "multipart" | "raw";
}

const utf8 = new TextEncoder();

export function predictionPath(model: string, version: string): string {
  const m = `/predictions/${encodeURIComponent(model)}`;
  return version === "" ? m : `${m}/${encodeURIComponent(version)}`;
}

/** The one file path of the request's TORCHSERVE_INPUT tensor. */
export function inputFilePath(spec: RequestSpec): string {
  const input = spec.inputs.find((t) => t.name === TORCHSERVE_INPUT);
  if (input === undefined || input.datatype !== "BYTES") {
    throw new RunError(
      `the torchserve service kind needs a BYTES input ${TORCHSERVE_INPUT} holding a file path; ` +
        `give --input-data <file.json> with {"data": [{"${TORCHSERVE_INPUT}": ["<path>"]}]}`,
    );
  }
  const paths = decodeStringElements(input.bytes);
  if (paths.length !== 1 || paths[0] === "") {
    throw new RunError(
      `${TORCHSERVE_INPUT} must hold exactly one non-empty file path per request, got ` +
        `${JSON.stringify(paths)}; use -b 1 and one path per --input-data entry`,
    );
  }
  return paths[0];
}

function readInput(path: string, read: (p: string) => Uint8Array): Uint8Array {
  try {
    return read(path);
  } catch (e) {
    throw new RunError(
      `cannot read the ${TORCHSERVE_INPUT} file '${path}' (named in --input-data): ` +
        `${(e as Error).message}. Paths are relative to the current directory.`,
    );
  }
}

/** A boundary that does not occur in the content (RFC 2046 §5.1.1). */
function boundaryFor(content: Uint8Array): string {
  for (;;) {
    const hex = Array.from(crypto.getRandomValues(new Uint8Array(12)))
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    const boundary = "------------------------" + hex;
    if (!new TextDecoder("latin1").decode(content).includes(boundary)) return boundary;
  }
}

function basename(path: string): string {
  const name = path.slice(path.lastIndexOf("/") + 1) || "data";
  // A quote or line break would end the quoted filename parameter early.
  return name.replace(/["\r\n\\]/g, (c) => encodeURIComponent(c));
}

/** The body around the file's content, and its Content-Type. */
function framing(
  file: string,
  content: Uint8Array,
  body: PredictionEncoding["body"],
): { type: string; partHead: Uint8Array; tail: Uint8Array } {
  if (body === "raw") {
    const none = new Uint8Array(0);
    return { type: "application/octet-stream", partHead: none, tail: none };
  }
  const boundary = boundaryFor(content);
  const partHead = utf8.encode(
    `--${boundary}\r\nContent-Disposition: form-data; name="data"; ` +
      `filename="${basename(file)}"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = utf8.encode(`\r\n--${boundary}--\r\n`);
  return { type: `multipart/form-data; boundary=${boundary}`, partHead, tail };
}

export function encodePrediction(spec: RequestSpec, enc: PredictionEncoding): PreparedPrediction {
  const file = inputFilePath(spec);
  const content = readInput(file, enc.readFile);
  const { type, partHead, tail } = framing(file, content, enc.body);
  const bodyLength = partHead.length + content.length + tail.length;
  const head = utf8.encode(
    `POST ${predictionPath(spec.model, spec.version)} HTTP/1.1\r\n` +
      headerBlock(enc, [
        ["Host", enc.hostHeader],
        ["Accept", "*/*"],
        ["Content-Type", type],
        ["Content-Length", String(bodyLength)],
        ["Connection", "keep-alive"],
      ]) + "\r\n",
  );
  const out = new Uint8Array(head.length + bodyLength);
  let at = 0;
  for (const part of [head, partHead, content, tail]) {
    out.set(part, at);
    at += part.length;
  }
  return new PreparedPrediction(out, file);
}
