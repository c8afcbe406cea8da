/**
 * The host half of the plugin contract: {@link PLUGIN_API}, what the tool hands a plugin's
 * default-exported function (`--service-kind plugin:<path-or-URL>`). The types a plugin is
 * written against are in core/plugin_api.ts, a file with no imports that authors copy beside
 * their plugin; plugins/example/backend.ts is a complete plugin, plugins/example/README.md the
 * author's guide.
 *
 * Before the plugin function, a plugin imported this module by path and default-exported a
 * descriptor. Such a plugin still loads: the re-exports below are that older surface (kept
 * as it was, for contract version 2), and its errors are recognised by their brand.
 */
import { BACKEND_CONTRACT_VERSION } from "./backend.ts";
import { isRunError, isUsageError, RunError, UsageError } from "./errors.ts";
import {
  type DataType,
  DATATYPES,
  elementCount,
  elementSize,
  isDataType,
} from "../wire/kserve/datatypes.ts";
import { parseChoice, parseDecimal, parseIntegerWhere, valueError } from "./cli/values.ts";
import type { PluginApi } from "./plugin_api.ts";

/** The tool's own implementations: a plugin's errors are the classes main reports. */
export const PLUGIN_API: PluginApi = Object.freeze({
  contractVersion: BACKEND_CONTRACT_VERSION,
  RunError,
  UsageError,
  isRunError,
  isUsageError,
  valueError,
  parseDecimal,
  parseIntegerWhere,
  parseChoice,
  DATATYPES,
  isDataType,
  elementSize,
  elementCount,
});

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
export { type DataType, DATATYPES, elementCount, elementSize, isDataType };
export type { Outcome, OutputTensor, RequestRecord } from "./measure/record.ts";
export { parseChoice, parseDecimal, parseIntegerWhere, valueError };
