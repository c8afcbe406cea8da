/**
 * The rules that depend on the selected service kind, decided from its descriptor alone:
 * what the kind declares it supports, its own cross-option rules, and the defaults it
 * supplies (-u per protocol, the metrics port). Runs once the command line is finished, for a
 * plugin as for a built-in kind: a plugin's descriptor is loaded before the parse.
 */
import type { BackendDescriptor, Protocol } from "../backend.ts";
import { UsageError } from "../errors.ts";
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import { urlHost } from "./output.ts";
import { checkRequestParameters } from "./request_parameters.ts";

const PROTOCOL_NAMES: Record<Protocol, string> = { http: "HTTP", grpc: "gRPC" };

/** A flag given for a kind other than the selected one is refused, naming its owner. */
export function checkBackendFlags(config: RunConfig, state: ParseState): void {
  const stray = state.backendFlags.find((f) => f.kind !== config.serviceKind);
  if (stray === undefined) return;
  throw new UsageError(
    `${stray.typed} is only used with --service-kind ${stray.kind} (got --service-kind ` +
      `${config.serviceKind}); drop it.`,
  );
}

function checkCapabilities(config: RunConfig, d: BackendDescriptor): void {
  const caps = d.capabilities;
  const kind = config.serviceKind;
  if (config.headers.length > 0 && !caps.headers) {
    throw new UsageError(
      `-H is not supported with --service-kind ${kind}: it sends no request ` +
        "headers; drop -H.",
    );
  }
  if (config.streaming && caps.streaming.length === 0) {
    throw new UsageError(`--streaming is not supported with --service-kind ${kind}; drop it.`);
  }
  if (config.streaming && !caps.streaming.includes(config.protocol)) {
    const names = caps.streaming.map((p) => PROTOCOL_NAMES[p]).join(" or ");
    const flags = caps.streaming.map((p) => `-i ${p}`).join(" or ");
    throw new UsageError(`Streaming is only allowed with ${names} protocol (${flags}).`);
  }
  if (config.grpcCompression !== "none" && !caps.compression) {
    throw new UsageError(
      `--grpc-compression-algorithm ${config.grpcCompression} is not supported with ` +
        `--service-kind ${kind}; leave it at none.`,
    );
  }
  if (config.loadMode === "session_concurrency" && !caps.sessions) {
    throw new UsageError(
      `--session-concurrency is not supported with --service-kind ${kind}: it cannot carry a ` +
        "chat history from one request to the next.",
    );
  }
  if (config.requestTimeoutMs > 0 && !caps.requestTimeout) {
    throw new UsageError(`--request-timeout is not supported with --service-kind ${kind}.`);
  }
}

/** --collect-metrics needs a kind with a metrics endpoint; the default URL is on its port. */
function resolveMetrics(
  config: RunConfig,
  d: BackendDescriptor,
  builtIn: readonly BackendDescriptor[],
): void {
  if (!config.collectMetrics) return;
  const port = d.capabilities.metricsPort;
  if (port === undefined) {
    const able = builtIn.filter((b) => b.capabilities.metricsPort !== undefined);
    throw new UsageError(
      `Server-side metric collection is only supported with ` +
        `${able.map((b) => b.title).join(" or ")} client backend ` +
        `(${able.map((b) => `--service-kind ${b.kind}`).join(" or ")}); got --service-kind ` +
        `${config.serviceKind}.`,
    );
  }
  if (config.metricsUrl === "") {
    const host = config.urlSet ? urlHost(config.url) : "localhost";
    config.metricsUrl = `${host}:${port}/metrics`;
  }
}

/**
 * Applies the kind's rules and defaults to `config`: capabilities, the kind's own
 * `validate`, -u's default for the protocol, the metrics URL. `own` is the kind's parsed
 * flags (its defaults when none was given).
 */
export function applyKind(
  config: RunConfig,
  d: BackendDescriptor,
  own: unknown,
  builtIn: readonly BackendDescriptor[],
): void {
  checkCapabilities(config, d);
  checkRequestParameters(config, d, builtIn);
  d.validate?.(own, config);
  config.own = own;
  if (!config.urlSet) config.url = d.defaultUrl[config.protocol] ?? "";
  resolveMetrics(config, d, builtIn);
}
