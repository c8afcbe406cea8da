/**
 * From the model and the input-data options to what the dispatchers replay: the data set
 * (generated, or loaded from files and encoded once), prepared requests for stateless models,
 * or sequence streams for stateful ones, with the checks perf_analyzer makes before it sends.
 */
import { type Backend, hasSessions, type ModelInfo } from "../backend.ts";
import type { RunConfig } from "../cli/config.ts";
import { batchRequests, stepRequest } from "./batch.ts";
import { denoFs, loadDataSet } from "./load.ts";
import { allSteps, type DataFs, type DataSet, type DataStep, type StepTensor } from "./set.ts";
import { RunError } from "../errors.ts";
import { syntheticRequest } from "./input_data.ts";
import { SeededRandom } from "../load/random.ts";
import { type RequestSource, RoundRobinSource } from "./request_source.ts";
import { SequenceSource, type SequenceStep } from "./sequence_source.ts";
import { type PlannedSession, SessionSource, type SessionTurn } from "../load/session.ts";

export interface RunData {
  source: RequestSource;
  /** True when responses are checked against validation data. */
  validation: boolean;
  /** --fixed-schedule: each entry's send time (ms), in send order; empty otherwise. */
  timestampsMs: number[];
}

/** --fixed-schedule needs a timestamp on every entry and more entries than warmup requests. */
function fixedTimestamps(data: DataSet, config: RunConfig): number[] {
  const steps = allSteps(data);
  const times = steps.map((step, i) => {
    if (step.timestampMs === undefined) {
      throw new RunError(
        `--fixed-schedule: data entry ${i} has no "timestamp"; every entry needs its send ` +
          "time in ms",
      );
    }
    return step.timestampMs;
  });
  if (config.warmupRequestCount >= times.length) {
    throw new RunError(
      `--fixed-schedule: --warmup-request-count ${config.warmupRequestCount} leaves none of ` +
        `the ${times.length} data entries to measure`,
    );
  }
  return times;
}

/**
 * --session-concurrency: the entries grouped by "session_id" (sessions and their turns in file
 * order), each session a conversation of the backend, and at least as many sessions as are
 * played at once (docs/perf_analyzer.md §2.10).
 */
function sessionSource(
  model: ModelInfo,
  data: DataSet,
  config: RunConfig,
  backend: Backend,
): SessionSource {
  if (!hasSessions(backend)) {
    throw new RunError(`--service-kind ${config.serviceKind} cannot play multi-turn sessions`);
  }
  if (model.sequence) {
    throw new RunError(
      `--session-concurrency plays chat sessions; model '${model.name}' is a sequence model`,
    );
  }
  if (data.validation) {
    throw new RunError(
      "--session-concurrency does not check validation_data (each turn's request depends on " +
        "the replies before it); drop validation_data",
    );
  }
  const grouped = new Map<string, { entries: DataStep[]; turns: SessionTurn[] }>();
  allSteps(data).forEach((step, i) => {
    const id = step.sessionId;
    if (id === undefined) {
      throw new RunError(
        `--session-concurrency: data entry ${i} has no "session_id"; every entry needs one ` +
          '(entries of one session share it: "session_id": ["<id>"])',
      );
    }
    let session = grouped.get(id);
    if (session === undefined) grouped.set(id, session = { entries: [], turns: [] });
    const label = `session "${id}" turn ${session.turns.length} (data entry ${i})`;
    session.entries.push(step);
    session.turns.push({ delayMs: step.delayMs ?? 0, label });
  });
  const n = config.sessionConcurrency;
  if (grouped.size < n) {
    throw new RunError(
      `--session-concurrency ${n} needs at least ${n} sessions, but the input data has ` +
        `${grouped.size} (distinct "session_id" values)`,
    );
  }
  const version = config.modelVersion;
  const sessions = [...grouped].map(([id, s]): PlannedSession => ({
    id,
    conversation: backend.conversation(
      s.entries.map((step) => stepRequest(model, step, version)),
      { id, delaysMs: s.entries.map((step) => step.delayMs) },
    ),
    turns: s.turns,
  }));
  return new SessionSource(sessions);
}

/** Entries with a "session_id" belong to --session-concurrency; elsewhere they are refused. */
function refuseSessions(data: DataSet): void {
  const i = allSteps(data).findIndex((s) => s.sessionId !== undefined || s.delayMs !== undefined);
  if (i < 0) return;
  throw new RunError(
    `data entry ${i} has a "session_id" or "delay": such entries are the turns of multi-turn ` +
      "sessions, played with --session-concurrency <n>; drop the keys or use that mode",
  );
}

/** The generated (random/zero) data as a one-step data set, so one path serves every source. */
function syntheticData(model: ModelInfo, config: RunConfig): DataSet {
  const spec = syntheticRequest(model, { ...config, batchSize: 1 });
  const inputs = new Map<string, StepTensor>();
  for (const t of spec.inputs) {
    const shape = model.maxBatchSize > 0 ? t.shape.slice(1) : t.shape;
    inputs.set(t.name, { datatype: t.datatype, shape, bytes: t.bytes });
  }
  return { streams: [[{ inputs, expected: new Map() }]], validation: false };
}

function expectedBytes(expected: ReadonlyMap<string, StepTensor>) {
  if (expected.size === 0) return undefined;
  return new Map([...expected].map(([name, t]) => [name, t.bytes]));
}

/** perf_analyzer's rules for sequence models (docs/perf_analyzer.md §1.3, §2.9). */
function checkSequenceLoad(model: ModelInfo, config: RunConfig): void {
  if (config.batchSize > 1) {
    throw new RunError(
      `model '${model.name}' is a sequence model: it takes one request per sequence step, ` +
        `so -b must be 1 (got -b ${config.batchSize})`,
    );
  }
  const live = config.loadMode === "concurrency"
    ? Math.max(config.concurrency.start, config.concurrency.end)
    : config.numOfSequences;
  const range = config.sequenceIdEnd - config.sequenceIdStart;
  if (range < live) {
    throw new RunError(
      `--sequence-id-range ${config.sequenceIdStart}:${config.sequenceIdEnd} holds ${range} ` +
        `ids, fewer than the ${live} sequences that can be live at once; widen the range`,
    );
  }
}

export async function runData(
  model: ModelInfo,
  config: RunConfig,
  backend: Backend,
  fs: DataFs = denoFs,
): Promise<RunData> {
  // Requests name a version only when -x asked for one, as perf_analyzer's do: the server
  // then picks per its version policy (the metadata's sole version is for statistics only).
  const version = config.modelVersion;
  const data = config.inputData === "files"
    ? await loadDataSet(config.inputDataPaths, model, { shapes: config.shapes }, fs)
    : syntheticData(model, config);
  if (config.loadMode === "session_concurrency") {
    return {
      source: sessionSource(model, data, config, backend),
      validation: false,
      timestampsMs: [],
    };
  }
  refuseSessions(data);
  if (!model.sequence) {
    const timestampsMs = config.loadMode === "fixed_schedule" ? fixedTimestamps(data, config) : [];
    const items = batchRequests(model, data, config.batchSize, version).map((r, i) => ({
      prepared: backend.prepare(r.spec),
      expected: r.expected.size > 0 ? r.expected : undefined,
      label: `data entry ${i}`,
    }));
    return { source: new RoundRobinSource(items), validation: data.validation, timestampsMs };
  }
  checkSequenceLoad(model, config);
  const refusal = backend.capabilities?.sequenceValidationRefusal;
  if (data.validation && refusal !== undefined) {
    // The backend knows when its options make captured outputs of concurrent sequences unsafe.
    throw new RunError(
      `validating the outputs of sequence model '${model.name}' is not supported ${refusal}`,
    );
  }
  if (config.loadMode === "fixed_schedule") {
    throw new RunError(
      `--fixed-schedule replays independent entries; model '${model.name}' is a sequence model`,
    );
  }
  const streams: SequenceStep[][] = data.streams.map((steps, s) =>
    steps.map((step, k) => ({
      spec: stepRequest(model, step, version),
      expected: expectedBytes(step.expected),
      label: `stream ${s} step ${k}`,
    }))
  );
  const source = new SequenceSource(backend, streams, {
    idStart: config.sequenceIdStart,
    idEnd: config.sequenceIdEnd,
    length: config.sequenceLength,
    lengthSet: config.sequenceLengthSet,
    variationPct: config.sequenceLengthVariation,
    fromData: config.inputData === "files",
    contexts: config.loadMode === "concurrency" ? 0 : config.numOfSequences,
    serial: config.loadMode !== "concurrency" && config.serialSequences,
    stringIds: model.sequenceStringIds === true,
  }, new SeededRandom(config.scheduleSeed));
  return { source, validation: data.validation, timestampsMs: [] };
}
