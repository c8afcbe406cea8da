/**
 * perf_analyzer's prefixes for a failed control-plane call, shared by every backend so a
 * failure reads the same whatever the service kind or protocol.
 */
export const METADATA_FAILED = "failed to get model metadata: ";
export const CONFIG_FAILED = "failed to get model config: ";
export const STATS_FAILED = "failed to get model statistics: ";

/**
 * What a service kind tells a user whose -u reaches nothing or the other protocol's port. Both
 * are optional: without them the advice names no port and no flag.
 */
export interface PortHints {
  /** This protocol's usual port, e.g. "Triton's default is 8001". */
  usualPort?: string;
  /** The flag change that fits the port the user reached, e.g. "drop -i grpc". */
  switchProtocol?: string;
}

/**
 * A failed connect with the address dialled, the default port when -u named none
 * (`defaulted`), and where to look: `protocol` is the port the user meant ("HTTP", "gRPC").
 */
export function connectFailureText(
  message: string,
  address: string,
  defaulted: boolean,
  protocol: Protocol,
  hints: PortHints,
): string {
  const port = address.slice(address.lastIndexOf(":") + 1);
  const note = defaulted ? ` (-u names no port, so the default ${port} was used)` : "";
  const usual = hints.usualPort ? ` (${hints.usualPort})` : "";
  return `${message} at ${address}${note}: is the server running there, and is that its ` +
    `${protocol} port${usual}?`;
}

export type Protocol = "HTTP" | "gRPC";

/**
 * The reply says `address` is a port of the other protocol, not of `wanted`: how to reach the
 * right one. `certain` is false when the server only closed without a word.
 */
export function wrongPortText(
  message: string,
  address: string,
  wanted: Protocol,
  certain: boolean,
  hints: PortHints,
): string {
  const actual = wanted === "HTTP" ? "a gRPC" : "an HTTP";
  const usual = hints.usualPort ? ` (${hints.usualPort})` : "";
  const point = `point -u at the ${wanted} port${usual}`;
  const fix = hints.switchProtocol ? `${hints.switchProtocol}, or ${point}` : point;
  return `${message}: ${address} ${certain ? "is" : "may be"} ${actual} port, not ${wanted}: ` +
    fix;
}
