/** gRPC status codes mapped to request outcomes and error text. */
import type { Outcome } from "../../core/measure/record.ts";
import { GrpcCode } from "../../wire/grpc/status.ts";

/** The codes themselves are the wire's vocabulary, shared with the reference server. */
export { GrpcCode };

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
