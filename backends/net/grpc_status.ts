/** gRPC status codes mapped to request outcomes and error text. */
import type { Outcome } from "../../core/measure/record.ts";

/** gRPC status codes (gRPC's statuscodes document). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
} as const;

const NAMES = Object.fromEntries(Object.entries(GrpcCode).map(([k, v]) => [v, k]));

export function grpcCodeName(code: number): string {
  return NAMES[code] ?? `status ${code}`;
}

/**
 * UNAVAILABLE is what gRPC clients report for refused, reset or lost connections (ours too,
 * see failureStatus in h2_grpc_call.ts), so it counts as a transport failure (Triton also uses
 * it for a model that is not ready, which a load tester cannot tell apart). CANCELLED is ours only when we closed the channel; a server
 * cancelling a request is a server error like any other status.
 */
export function outcomeOfStatus(code: number, closedByUs: boolean): Exclude<Outcome, "ok"> {
  if (code === GrpcCode.UNAVAILABLE) return "transport_error";
  if (code === GrpcCode.DEADLINE_EXCEEDED) return "timeout";
  if (code === GrpcCode.CANCELLED && closedByUs) return "cancelled";
  return "server_error";
}

/** The server's message as perf_analyzer prints it, or the code's name when it sent none. */
export function statusText(code: number, details: string): string {
  const text = details.trim();
  return text !== "" ? text : grpcCodeName(code);
}
