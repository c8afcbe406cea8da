/**
 * Request-level `parameters` of an infer request (docs/protocols.md §1.6, Parameters
 * extension).
 */
import { type ApiError, invalidArg, requestPrefix } from "./http_error.ts";
import type { ModelSpec } from "../models/mod.ts";
import type { SequenceParams } from "../models/sequences.ts";
import type { ReceivedParameter } from "../models/parameter_log.ts";

function isUint(v: unknown): boolean {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/** Keys Triton parses itself, with the type each must have. */
const RESERVED: Record<string, (v: unknown) => boolean> = {
  sequence_id: (v) => isUint(v) || typeof v === "string",
  sequence_start: (v) => typeof v === "boolean",
  sequence_end: (v) => typeof v === "boolean",
  priority: isUint,
  timeout: isUint,
  binary_data_output: (v) => typeof v === "boolean",
};

/** Triton refuses request parameters in its own namespace (only gRPC may set one, see server/grpc/request.ts). */
export function reservedPrefixError(): ApiError {
  return invalidArg(
    "parameter keys starting with 'triton_' are reserved for Triton usage and should " +
      "not be specified.",
  );
}

/** A model without sequence batching refuses a correlation id. */
export function correlationIdError(model: string, id: string): ApiError {
  return invalidArg(
    `${requestPrefix(id)}inference request to model '${model}' must not specify a ` +
      "non-zero or non-empty correlation ID",
  );
}

/** What the request parameters decide. */
export interface RequestParameters {
  /** The default output format (binary_data_output). */
  binaryOutput: boolean;
  /** Sequence models only: the id and flags, when any of the three keys was sent. */
  sequence: SequenceParams | undefined;
  /** The keys Triton does not parse itself, each with its JSON type ("boolean", "number", "string"). */
  custom: Record<string, ReceivedParameter>;
}

/** The sequence keys a request sent, each already of its type. */
export interface SentSequenceKeys {
  id?: number | string;
  start?: boolean;
  end?: boolean;
}

/**
 * The sequence parameters of a request to `spec`: undefined when none of the keys was sent
 * (the sequence rules then refuse the request), and a refusal of any non-zero or non-empty id
 * for a model that is not a sequence model (whose flags alone are ignored, as in Triton).
 */
export function sequenceParams(
  spec: ModelSpec,
  requestId: string,
  { id, start, end }: SentSequenceKeys,
): SequenceParams | undefined {
  if (spec.sequence === undefined) {
    if (id !== undefined && id !== 0 && id !== "") throw correlationIdError(spec.name, requestId);
    return undefined;
  }
  if (id === undefined && start === undefined && end === undefined) return undefined;
  return { id: id ?? 0, start: start ?? false, end: end ?? false };
}

/** Checks the request parameters of an HTTP infer request. */
export function checkParameters(params: unknown, spec: ModelSpec, id: string): RequestParameters {
  if (params === undefined) return { binaryOutput: false, sequence: undefined, custom: {} };
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw invalidArg("Unable to parse 'parameters'");
  }
  let binary = false;
  const sent: SentSequenceKeys = {};
  const custom: Record<string, ReceivedParameter> = {};
  for (const [key, value] of Object.entries(params)) {
    const check = RESERVED[key];
    if (check !== undefined) {
      if (!check(value)) throw invalidArg(`Unable to parse '${key}'`);
      if (key === "binary_data_output") binary = value as boolean;
      if (key === "sequence_id") sent.id = value as number | string;
      if (key === "sequence_start") sent.start = value as boolean;
      if (key === "sequence_end") sent.end = value as boolean;
      continue;
    }
    if (key.startsWith("triton_")) throw reservedPrefixError();
    const ok = typeof value === "string" || typeof value === "boolean" ||
      (typeof value === "number" && Number.isInteger(value));
    if (!ok) {
      throw invalidArg(
        `parameter '${key}' has invalid type. It should be either 'int', 'bool', or 'string'.`,
      );
    }
    custom[key] = { type: typeof value, value: value as ReceivedParameter["value"] };
  }
  return { binaryOutput: binary, sequence: sequenceParams(spec, id, sent), custom };
}
