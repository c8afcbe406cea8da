/**
 * What each --service-kind supports, for --help. Data, not code: loading every backend just to
 * print help would pull in gRPC and FFI, so each backend's row lives here and a test checks the
 * table against the registry's built-in kinds (core/registry.ts). Adding a backend = one row.
 */

export interface ServiceKindInfo {
  /** The --service-kind value. */
  kind: string;
  /** -i values it accepts, or why there are none. */
  protocols: string;
  /** Where the server-side part of the report comes from, or "no" (client-side only). */
  serverStats: string;
  /** Load modes, streaming, sequences, input-data requirements. */
  modes: string;
}

export const SERVICE_KINDS: readonly ServiceKindInfo[] = [
  {
    kind: "triton",
    protocols: "http, grpc",
    serverStats: "yes (statistics extension)",
    modes: "concurrency, request rate, intervals, fixed schedule; sequences; --streaming " +
      "(gRPC, decoupled models)",
  },
  {
    kind: "triton_c_api",
    protocols: "none (Triton runs in this process)",
    serverStats: "yes (TRITONSERVER statistics)",
    modes: "as triton (sync, async, request rate); needs --triton-server-directory and " +
      "--model-repository",
  },
  {
    kind: "torchserve",
    protocols: "http",
    serverStats: "no (client-side only)",
    modes: "concurrency, request rate, intervals; needs --input-data JSON whose " +
      "TORCHSERVE_INPUT entries name the body files",
  },
  {
    kind: "tfserving",
    protocols: "grpc (default -u localhost:8500), http = REST API (localhost:8501)",
    serverStats: "no (client-side only)",
    modes: "concurrency, request rate, intervals, --async (perf_analyzer: gRPC sync only); " +
      "no --streaming; --model-signature-name picks the signature",
  },
  {
    kind: "plugin:<path-or-URL>",
    protocols: "what the module declares",
    serverStats: "if the module offers serverStats()",
    modes: "those the module supports; check one with `deno task conformance plugin:<path>` " +
      "(plugins/example/README.md)",
  },
];

/** The rows for kinds the registry loads (plus the plugin row), in table order. */
export function serviceKindRows(builtIn: readonly string[]): ServiceKindInfo[] {
  return SERVICE_KINDS.filter((k) => builtIn.includes(k.kind) || k.kind.startsWith("plugin:"));
}
