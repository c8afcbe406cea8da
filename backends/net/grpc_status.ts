/** gRPC status codes mapped to request outcomes and error text. */
import type { Outcome } from "../../core/measure/record.ts";

/** The numeric codes of grpc.status, named here to keep this module free of grpc-js. */
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
 * UNAVAILABLE is what grpc-js reports for refused, reset or lost connections, so it counts
 * as a transport failure (Triton also uses it for a model that is not ready, which a load
 * tester cannot tell apart). CANCELLED is ours only when we closed the channel; a server
 * cancelling a request is a server error like any other status.
 */
export function outcomeOfStatus(code: number, closedByUs: boolean): Exclude<Outcome, "ok"> {
  if (code === GrpcCode.UNAVAILABLE) return "transport_error";
  if (code === GrpcCode.DEADLINE_EXCEEDED) return "timeout";
  if (code === GrpcCode.CANCELLED && closedByUs) return "cancelled";
  return "server_error";
}

/**
 * The server's message as perf_analyzer prints it, or the code's name when it sent none.
 * grpc-js's own connection errors carry a timestamp and an often empty "Resolution note",
 * which would make run output differ from run to run; both are dropped.
 */
export function statusText(code: number, details: string): string {
  const text = details
    .replace(/ \(\d{4}-\d\d-\d\dT[\d:.]+Z\)/g, "")
    .replace(/\.? ?Resolution note: *$/, "")
    .trim();
  return text !== "" ? text : grpcCodeName(code);
}
