/**
 * The one module a backend plugin imports (`--service-kind plugin:<path-or-URL>`): the backend
 * contract, the descriptor a plugin default-exports, the errors with their brand checks, the
 * KServe datatypes, the request record a channel fills, and the value parsers built-in
 * backends use for their flags. It follows BACKEND_CONTRACT_VERSION: what is here is the
 * contract, whatever core's other modules do.
 *
 * The module is loaded before the command line is parsed, so a descriptor's flags, validate()
 * and default URLs work as a built-in kind's do. See plugins/example/backend.ts for a complete
 * plugin with a flag, and plugins/example/README.md for the author's guide.
 */
export { BACKEND_CONTRACT_VERSION, hasServerStats } from "./backend.ts";
export type {
  Backend,
  BackendCapabilities,
  BackendDescriptor,
  BackendFlag,
  BackendOptions,
  Channel,
  ConnectOptions,
  DeclaredCapabilities,
  ModelInfo,
  ModelStats,
  PreparedRequest,
  Protocol,
  RequestSpec,
  RunSettings,
  SequenceControl,
  ServerStatsCapability,
  ServiceKindHelp,
  TensorData,
  TensorInfo,
  TlsOptions,
} from "./backend.ts";
export { ExitCode, isRunError, isUsageError, RunError, UsageError } from "./errors.ts";
export {
  type DataType,
  DATATYPES,
  elementCount,
  elementSize,
  isDataType,
} from "../wire/kserve/datatypes.ts";
export type { Outcome, OutputTensor, RequestRecord } from "./measure/record.ts";
export { parseChoice, parseDecimal, parseIntegerWhere, valueError } from "./cli/values.ts";
