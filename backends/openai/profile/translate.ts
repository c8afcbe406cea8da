/**
 * GenAI-Perf's workflow on this tool's engine: the profile options become a perf_analyzer
 * command line (`--service-kind openai ... --input-data <artifact dir>/inputs.json`), which the
 * perf_analyzer front parses and validates into the RunConfig every run uses, as GenAI-Perf
 * writes inputs.json and calls perf_analyzer with `--input-data`. The few settings that front
 * has no flag for (goodput targets, the attainment a search keeps, the saturation guard) are set
 * on the parsed config.
 */
import type { RunConfig } from "../../../core/cli/config.ts";
import { UsageError } from "../../../core/errors.ts";
import type { PromptOptions } from "../prompts/mod.ts";
import type { ProfileOptions } from "./options.ts";

/** The endpoint types' API paths (the openai kind's --endpoint values). */
const ENDPOINT_PATHS = {
  chat: "v1/chat/completions",
  completions: "v1/completions",
  embeddings: "v1/embeddings",
} as const;

/**
 * GenAI-Perf runs perf_analyzer with a stability threshold of 999 %: a level is its three
 * windows, never "unstable"; the load's verdict is the goodput's, not the spread's.
 */
const STABILITY_PERCENT = "999";

/**
 * The search's over-saturation guard: a level ends when its average time to first token grew by
 * more than 10 % in each of two consecutive windows. Below the knee a queue does not build and
 * TTFT stays flat to within noise; above it the queue grows every window.
 */
const SATURATION_GROWTH = 0.1;

/**
 * perf_analyzer's binary search requires a latency limit (-l), its pass criterion. Here the
 * goodput attainment is the criterion, so the limit is put out of reach: a day.
 */
const SEARCH_LATENCY_LIMIT_MS = "86400000";

/** What to build the prompts from; the tokenizer that makes exact lengths is builtin by default. */
export function promptOptions(o: ProfileOptions): PromptOptions {
  return {
    endpointType: o.endpointType,
    model: o.model,
    syntheticInputTokensMean: o.syntheticInputTokensMean,
    syntheticInputTokensStddev: o.syntheticInputTokensStddev,
    outputTokensMean: o.outputTokensMean,
    outputTokensStddev: o.outputTokensStddev,
    outputTokensMeanDeterministic: o.outputTokensMeanDeterministic,
    numDatasetEntries: o.numDatasetEntries,
    numPrefixPrompts: o.numPrefixPrompts,
    prefixPromptLength: o.prefixPromptLength,
    inputFile: o.inputFile,
    randomSeed: o.randomSeed,
    tokenizer: o.tokenizer ?? "builtin",
    fixedScheduleSpeedup: o.fixedScheduleSpeedup,
    extraInputs: Object.keys(o.extraInputs).length > 0 ? o.extraInputs : undefined,
  };
}

/** Where a run's files go. */
export interface RunFiles {
  /** inputs.json, absolute. */
  inputs: string;
  /** --profile-export-file, absolute; undefined without. */
  export?: string;
}

/** What the inputs document holds, which picks the load mode perf_analyzer replays it with. */
export interface InputsShape {
  timestamps: boolean;
  sessions: boolean;
}

/**
 * The perf_analyzer command line of one run at `load` (a single value or a `a:b:s` range, as
 * the front's --concurrency-range / --request-rate-range read them).
 */
export function perfAnalyzerArgs(
  o: ProfileOptions,
  load: string,
  files: RunFiles,
  shape: InputsShape,
): string[] {
  const args = [
    "--service-kind",
    "openai",
    "-m",
    o.model,
    "--endpoint",
    o.endpoint ?? ENDPOINT_PATHS[o.endpointType],
    "--input-data",
    files.inputs,
    "--stability-percentage",
    STABILITY_PERCENT,
    "-p",
    String(o.measurementIntervalMs),
  ];
  if (o.url !== "") args.push("-u", o.url);
  if (o.streaming) args.push("--streaming");
  if (o.fixedSchedule) {
    if (!shape.timestamps) {
      throw new UsageError("profile --fixed-schedule: the input file has no timestamps to replay");
    }
    args.push("--fixed-schedule");
  } else if (shape.sessions) {
    if (o.loadMode === "request_rate") {
      throw new UsageError(
        "profile: multi-turn sessions play at a --concurrency (sessions at once), not a " +
          "--request-rate",
      );
    }
    // Multi-turn sessions: each concurrency slot plays one session's turns in order.
    args.push("--session-concurrency", load);
  } else if (o.loadMode === "concurrency") {
    args.push("--concurrency-range", load);
  } else {
    args.push("--request-rate-range", load);
    // The front knows perf_analyzer's two distributions; gamma is set on its config after the
    // parse (withProfileSettings), with poisson's checks and seed.
    const random = o.requestDistribution !== "constant";
    args.push("--request-distribution", random ? "poisson" : "constant");
    // The schedule's seed is 1-based; --random-seed starts at 0.
    if (random) args.push("--schedule-seed", String(o.randomSeed + 1));
  }
  if (o.requestCount !== undefined) args.push("--request-count", String(o.requestCount));
  for (const h of o.headers) args.push("-H", h);
  if (o.tokenizer !== undefined) args.push("--tokenizer", o.tokenizer);
  if (o.search) args.push("--binary-search", "-l", SEARCH_LATENCY_LIMIT_MS);
  if (files.export !== undefined) args.push("--profile-export-file", files.export);
  if (o.verbose) args.push("-v");
  return args;
}

/** The settings the perf_analyzer front has no flag for, set on its parsed config. */
export function withProfileSettings(config: RunConfig, o: ProfileOptions): RunConfig {
  const sweeping = o.search || (o.load.kind === "range" && o.load.range.end > o.load.range.start);
  const gamma = o.requestDistribution === "gamma";
  return {
    ...config,
    requestDistribution: gamma ? "gamma" : config.requestDistribution,
    burstiness: o.burstiness ?? 1,
    goodput: o.goodput,
    minAttainment: o.search ? o.sloAttainment : undefined,
    // A sweep or a search stops a level whose queue keeps growing; a single run measures it.
    saturationGrowth: sweeping ? SATURATION_GROWTH : undefined,
    // Each load starts from an idle server, as GenAI-Perf's one perf_analyzer run per load does.
    isolateLevels: true,
    // Set here, not as a flag: the front refuses warmup with a rate range (perf_analyzer does),
    // while the engine warms up at the range's first value, which a search needs (a cold client
    // and server answer their first requests slowly and would fail the first level's SLO).
    warmupRequestCount: o.warmupRequestCount,
  };
}

/** The runs: one for a value or a range, one per value of a list. */
export function loadRuns(o: ProfileOptions): string[] {
  return o.load.kind === "range" ? [o.load.text] : o.load.values.map(String);
}

/** GenAI-Perf's default artifact directory: artifacts/<model>-openai-<type>-<load>. */
export function defaultArtifactDir(o: ProfileOptions): string {
  const load = o.load.kind === "range" ? o.load.text : o.load.values.join(",");
  const mode = o.loadMode === "concurrency" ? "concurrency" : "request_rate";
  const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");
  return `artifacts/${safe(o.model)}-openai-${o.endpointType}-${mode}${safe(load)}`;
}
