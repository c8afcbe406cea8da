/** Request-level `parameters` of an infer request (protocols.md §1.6, Parameters extension). */
import { type ApiError, invalidArg, requestPrefix } from "./http_error.ts";

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

/** Triton refuses request parameters in its own namespace (only gRPC may set one, see grpc_request.ts). */
export function reservedPrefixError(): ApiError {
  return invalidArg(
    "parameter keys starting with 'triton_' are reserved for Triton usage and should " +
      "not be specified.",
  );
}

/** None of the models is a sequence model, so a correlation id is refused as Triton does. */
export function correlationIdError(model: string, id: string): ApiError {
  return invalidArg(
    `${requestPrefix(id)}inference request to model '${model}' must not specify a ` +
      "non-zero or non-empty correlation ID",
  );
}

/**
 * Checks the request parameters and returns the default output format (binary_data_output).
 * None of the models is a sequence model, so a correlation id is refused as Triton does.
 */
export function checkParameters(params: unknown, model: string, id: string): boolean {
  if (params === undefined) return false;
  if (typeof params !== "object" || params === null || Array.isArray(params)) {
    throw invalidArg("Unable to parse 'parameters'");
  }
  let binary = false;
  for (const [key, value] of Object.entries(params)) {
    const check = RESERVED[key];
    if (check !== undefined) {
      if (!check(value)) throw invalidArg(`Unable to parse '${key}'`);
      if (key === "binary_data_output") binary = value as boolean;
      if (key === "sequence_id" && value !== 0 && value !== "") {
        throw correlationIdError(model, id);
      }
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
  }
  return binary;
}
