/** The `{"error": "..."}` shape every failing endpoint answers with (docs/protocols.md §1.2). */

/** A request the server refuses; `status` is the HTTP status to answer with. */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

/** A 400 error, the status Triton uses for INVALID_ARG and UNKNOWN. */
export function invalidArg(message: string): ApiError {
  return new ApiError(400, message);
}

const JSON_HEADERS = { "content-type": "application/json" };

export function jsonResponse(status: number, body: string): Response {
  return new Response(body, { status, headers: JSON_HEADERS });
}

export function errorResponse(status: number, message: string): Response {
  return jsonResponse(status, JSON.stringify({ error: message }));
}

export function notFound(): Response {
  return errorResponse(404, "Not Found");
}

export function methodNotAllowed(): Response {
  return errorResponse(405, "Method Not Allowed");
}

/** Triton's message for a model (or model version) it does not serve; status 404. */
export function unknownModel(name: string, version: string): ApiError {
  const v = version === "" ? "" : ` version ${version}`;
  return new ApiError(404, `Request for unknown model: '${name}'${v} is not found`);
}

/** Triton's `LogRequest()` prefix for core validation messages. */
export function requestPrefix(id: string): string {
  return `[request id: ${id === "" ? "<id_unknown>" : id}] `;
}
