/**
 * Rules that involve several options, run once the whole command line is scanned: resolving
 * deprecated flags, derived values (max threads, request-count windows) and perf_analyzer's
 * cross-option checks (docs/perf_analyzer.md §1.3). The order of the checks is fixed so the
 * same bad command line always gives the same message.
 */
import type { Range, RunConfig } from "./config.ts";
import { UsageError } from "../errors.ts";
import type { ParseState } from "./apply.ts";
import { finishOpenLoop } from "./open_loop.ts";
import { finishSessions } from "./sessions.ts";
import { finishDistributed } from "./distributed.ts";
import { finishOutput } from "./output.ts";
import { finishPeriodic } from "./periodic.ts";
import { finishMpi } from "./mpi.ts";
import { finishTls } from "./tls.ts";
import { applyKind, checkBackendFlags } from "./kind.ts";
import { findBuiltIn } from "../registry.ts";
import type { BackendDescriptor } from "../backend.ts";

/** perf_analyzer's default thread cap for concurrency mode (raised to the range end). */
const DEFAULT_MAX_THREADS = 16;

function formatRange(r: Range): string {
  return `${r.start}:${r.end}:${r.step}`;
}

/**
 * Turns deprecated -t/-c/-d into a concurrency range: -t is the start, -c the end; -d without
 * -c searches with no end (until the latency threshold), as perf_analyzer's dynamic mode did.
 * Without -c and -d, -t is a single fixed concurrency.
 */
function resolveDeprecatedConcurrency(config: RunConfig, state: ParseState): void {
  const used = state.oldStart !== undefined || state.oldEnd !== undefined || state.oldDynamic;
  if (!used) return;
  if (state.rangeParts > 0) {
    throw new UsageError("Cannot use deprecated options (-t, -c, -d) with --concurrency-range.");
  }
  const start = state.oldStart ?? 1;
  const end = state.oldEnd ?? (state.oldDynamic ? 0 : start);
  if (end !== 0 && end < start) {
    throw new UsageError(
      `The maximum concurrency must be >= the start, or 0 for no limit. Got -c ${end} with -t ${start}.`,
    );
  }
  config.concurrency = { start, end, step: 1 };
}

function resolveInputData(config: RunConfig, state: ParseState): void {
  if (!state.zeroFlag) return;
  if (state.inputDataGiven === "random") {
    throw new UsageError("The -z flag cannot be used with --input-data random.");
  }
  config.inputData = "zero";
}

/** True when the command line named both ends of the concurrency range. */
function rangeIsExplicit(state: ParseState): boolean {
  if (state.rangeParts > 0) return state.rangeParts >= 2;
  return state.oldStart !== undefined && state.oldEnd !== undefined;
}

function checkSearch(config: RunConfig, state: ParseState): void {
  const { end } = config.concurrency;
  const latency = config.latencyThresholdMs;
  if (end === 0 && latency === 0) {
    throw new UsageError(
      "The end of the search range and the latency limit can not be both 0 (or 0.0) simultaneously",
    );
  }
  if (!config.binarySearch) return;
  if (!rangeIsExplicit(state)) {
    throw new UsageError(
      "The --binary-search option needs an explicit start and end: --concurrency-range <start:end[:step]>.",
    );
  }
  if (end === 0) {
    throw new UsageError("The end of the range can not be 0 (or 0.0) for binary search mode.");
  }
  if (latency === 0) {
    throw new UsageError("The --latency-threshold cannot be 0 for binary search mode.");
  }
}

function checkRequestCounts(config: RunConfig): void {
  const range = config.concurrency;
  const single = range.start === range.end;
  if (config.requestCount > 0) {
    if (config.requestCount < range.start) {
      throw new UsageError(
        `request-count can not be less than concurrency. Got --request-count ${config.requestCount} with concurrency ${range.start}.`,
      );
    }
    if (!single) {
      throw new UsageError(
        `request-count not supported with multiple concurrency values in one run. Got concurrency range ${
          formatRange(range)
        }.`,
      );
    }
  }
  if (config.warmupRequestCount > 0 && !single) {
    throw new UsageError(
      `warmup-request-count not supported with multiple concurrency values in one run. Got concurrency range ${
        formatRange(range)
      }.`,
    );
  }
}

/** gRPC-only options and streaming's implied async mode. */
function resolveProtocol(config: RunConfig, state: ParseState): void {
  const grpc = config.protocol === "grpc";
  if (state.grpcCompressionSet && !grpc) {
    throw new UsageError("Using compression algorithm is only allowed with gRPC protocol.");
  }
  if (config.streaming) {
    if (state.syncSet) throw new UsageError("Cannot specify --streaming with --sync.");
    // perf_analyzer: a stream delivers responses through callbacks, so streaming is async.
    config.async = true;
  }
}

/**
 * The selected kind (the first built-in when none was given): flags of other kinds are
 * refused, and the kind's rules apply now, a plugin's too (it was loaded before the parse).
 * A plugin kind parsed without its module (a parse-only caller) keeps only the first check.
 */
function resolveKind(config: RunConfig, state: ParseState): void {
  config.serviceKind ||= state.backends[0]?.kind ?? "";
  checkBackendFlags(config, state);
  const kind = config.serviceKind;
  if (state.plugin?.serviceKind === kind) config.plugin = state.plugin.descriptor;
  const d = config.plugin ?? findBuiltIn(state.backends, kind);
  if (d === undefined) return;
  // perf_analyzer forces its one protocol on a kind that has no other (its dynamic gRPC).
  if (!state.protocolSet && d.protocols.length === 1) config.protocol = d.protocols[0];
  const own = state.own.has(kind) ? state.own.get(kind) : d.defaults?.();
  applyKind(config, d, own, state.backends);
}

/** Concurrency mode: perf_analyzer's thread default, or a warning that the flag is moot. */
function resolveMaxThreads(config: RunConfig, state: ParseState): void {
  if (!state.maxThreadsSet) {
    config.maxThreads = Math.max(DEFAULT_MAX_THREADS, config.concurrency.end);
    return;
  }
  // Accepted so perf_analyzer command lines keep working, but said out loud: here every
  // in-flight request already has its own slot on one event loop, so there are no threads.
  state.warnings.push(
    "--max-threads has no effect in concurrency mode: exactly the concurrency's number of " +
      "requests is kept in flight.",
  );
}

/** The descriptor of the kind selected so far (the default one when none was given). */
function selected(config: RunConfig, state: ParseState): BackendDescriptor | undefined {
  const kind = config.serviceKind || state.backends[0]?.kind;
  if (kind === undefined) return undefined;
  return state.plugin?.serviceKind === kind
    ? state.plugin.descriptor
    : findBuiltIn(state.backends, kind);
}

/**
 * Resolves derived values and applies every cross-option rule, in this order: -m, async/sync,
 * -z, the service kind (its flags, capabilities, own rules, -u default), protocol, TLS,
 * deprecated concurrency, search range, request counts, open loop, metrics, periodic concurrency,
 * multi-model MPI;
 * then derived values.
 */
export function finishConfig(config: RunConfig, state: ParseState): void {
  if (config.model === "" && !selected(config, state)?.modelOptional) {
    throw new UsageError("-m flag must be specified");
  }
  if (state.asyncSet && state.syncSet) {
    throw new UsageError("Cannot specify --async and --sync simultaneously.");
  }
  resolveInputData(config, state);
  resolveKind(config, state);
  resolveProtocol(config, state);
  finishTls(config);
  resolveDeprecatedConcurrency(config, state);
  if (config.loadMode === "concurrency") {
    checkSearch(config, state);
    checkRequestCounts(config);
  }
  if (config.loadMode === "session_concurrency") finishSessions(config, state);
  else finishOpenLoop(config, state);
  finishOutput(config, state);
  finishPeriodic(config, state);
  finishMpi(config);

  if (config.loadMode === "concurrency") resolveMaxThreads(config, state);
  // --request-count is one window of exactly that many requests (perf_analyzer does the same).
  if (config.requestCount > 0) {
    config.measurementMode = "count_windows";
    config.measurementRequestCount = config.requestCount;
  }
  finishDistributed(config);
  if (config.stringData !== undefined && state.stringLengthSet) {
    state.warnings.push("--string-length has no effect when --string-data is given.");
  }
}
