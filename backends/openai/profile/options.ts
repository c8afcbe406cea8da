/**
 * The `profile` subcommand's flags: GenAI-Perf's names (AIPerf's and vLLM's spellings as aliases
 * where only the name differs), parsed into plain data. Nothing here runs anything; translate.ts
 * turns the options into the perf_analyzer front's RunConfig.
 */
import { UsageError } from "../../../core/errors.ts";
import { type GoodputTarget, parseGoodput } from "../../../core/measure/goodput.ts";
import {
  parseConcurrencyRange,
  parseDecimal,
  parseHeader,
  parseInteger,
  parseRateRange,
} from "../../../core/cli/values.ts";
import type { Range } from "../../../core/cli/config.ts";
import { didYouMean } from "../../../core/cli/suggest.ts";

export const ENDPOINT_TYPES = ["chat", "completions", "embeddings"] as const;
export type EndpointType = (typeof ENDPOINT_TYPES)[number];
export const DISTRIBUTIONS = ["constant", "poisson", "gamma"] as const;
export type Distribution = (typeof DISTRIBUTIONS)[number];

/** One value, a `start:end:step` range (one run), or a comma list (one run per value). */
export type LoadValues = { kind: "range"; range: Range; text: string } | {
  kind: "list";
  values: number[];
};

export interface ProfileOptions {
  model: string;
  /** "" = the openai kind's default (localhost:8000). */
  url: string;
  endpointType: EndpointType;
  /** --endpoint; undefined = the endpoint type's path. */
  endpoint: string | undefined;
  streaming: boolean;
  loadMode: "concurrency" | "request_rate";
  load: LoadValues;
  requestDistribution: Distribution;
  /** --burstiness: the gamma distribution's shape (1 = poisson). */
  burstiness: number | undefined;
  /** undefined = time windows of --measurement-interval. */
  requestCount: number | undefined;
  warmupRequestCount: number;
  measurementIntervalMs: number;
  extraInputs: Record<string, unknown>;
  /** "Name:Value" as given. */
  headers: string[];
  randomSeed: number;
  /** undefined = artifacts/<model>-openai-<type>-<load>. */
  artifactDir: string | undefined;
  /** undefined = prompts by the builtin tokenizer, counts from the server's usage. */
  tokenizer: string | undefined;
  goodput: GoodputTarget[];
  serverMetricsUrls: string[];
  serverMetricsIntervalMs: number;
  generatePlots: boolean;
  /** Binary search for the highest load whose attainment is at least sloAttainment. */
  search: boolean;
  sloAttainment: number;
  profileExportFile: string | undefined;
  verbose: boolean;
  syntheticInputTokensMean: number;
  syntheticInputTokensStddev: number;
  outputTokensMean: number | undefined;
  outputTokensStddev: number;
  outputTokensMeanDeterministic: boolean;
  numDatasetEntries: number;
  numPrefixPrompts: number;
  prefixPromptLength: number;
  inputFile: string | undefined;
  fixedSchedule: boolean;
  fixedScheduleSpeedup: number | undefined;
}

/** GenAI-Perf's defaults. */
function defaultProfileOptions(): ProfileOptions {
  return {
    model: "",
    url: "",
    endpointType: "chat",
    endpoint: undefined,
    streaming: false,
    loadMode: "concurrency",
    load: { kind: "range", range: { start: 1, end: 1, step: 1 }, text: "1" },
    requestDistribution: "constant",
    burstiness: undefined,
    requestCount: undefined,
    warmupRequestCount: 0,
    measurementIntervalMs: 10000,
    extraInputs: {},
    headers: [],
    randomSeed: 0,
    artifactDir: undefined,
    tokenizer: undefined,
    goodput: [],
    serverMetricsUrls: [],
    serverMetricsIntervalMs: 1000,
    generatePlots: false,
    search: false,
    sloAttainment: 0.95,
    profileExportFile: undefined,
    verbose: false,
    syntheticInputTokensMean: 550,
    syntheticInputTokensStddev: 0,
    outputTokensMean: undefined,
    outputTokensStddev: 0,
    outputTokensMeanDeterministic: false,
    numDatasetEntries: 100,
    numPrefixPrompts: 0,
    prefixPromptLength: 100,
    inputFile: undefined,
    fixedSchedule: false,
    fixedScheduleSpeedup: undefined,
  };
}

export interface ProfileFlag {
  /** Every spelling: GenAI-Perf's first, then aliases ("-m", "--model", ...). */
  names: string[];
  /** "" for a switch, else the value's placeholder for --help. */
  value: string;
  /**
   * Takes every following word up to the next flag, joined by spaces (GenAI-Perf's
   * `--goodput time_to_first_token:200 inter_token_latency:20`).
   */
  words?: true;
  help: string;
  apply(o: ProfileOptions, value: string): void;
}

function bad(flag: string, why: string, value: string): UsageError {
  return new UsageError(`profile ${flag}: ${why} (got "${value}")`);
}

function integer(flag: string, v: string, min: number): number {
  let n: number;
  try {
    n = parseInteger(flag, v);
  } catch {
    throw bad(flag, "must be an integer", v);
  }
  if (n < min) throw bad(flag, `must be at least ${min}`, v);
  return n;
}

function decimal(flag: string, v: string, ok: (n: number) => boolean, rule: string): number {
  let n: number;
  try {
    n = parseDecimal(flag, v);
  } catch {
    throw bad(flag, "must be a number", v);
  }
  if (!ok(n)) throw bad(flag, rule, v);
  return n;
}

function choice<T extends string>(flag: string, v: string, choices: readonly T[]): T {
  const hit = choices.find((c) => c === v);
  if (hit === undefined) {
    throw bad(flag, `must be ${choices.join(" | ")}${didYouMean(v, choices)}`, v);
  }
  return hit;
}

/**
 * A load flag's value: "8", "1:16:2" (one run that steps through the range, or the search's
 * bounds) or "1,2,4,8" (one run per value). The range checks are the perf_analyzer front's,
 * reworded with this flag's name.
 */
function loadValues(flag: string, v: string, rate: boolean): LoadValues {
  const rangeOf = (text: string) => {
    try {
      return rate ? parseRateRange(text) : parseConcurrencyRange(text);
    } catch (e) {
      const message = (e as Error).message.replace(/--(concurrency|request-rate)-range/, flag);
      throw new UsageError(`profile ${message}`);
    }
  };
  if (!v.includes(",")) {
    const { start, end, step } = rangeOf(v);
    if (end === 0) throw bad(flag, "a range needs an end", v);
    return { kind: "range", range: { start, end, step }, text: v };
  }
  const values = v.split(",").map((part) => {
    if (part.includes(":")) throw bad(flag, "a list holds single values, not ranges", v);
    return rangeOf(part.trim()).start;
  });
  return { kind: "list", values };
}

/**
 * GenAI-Perf's --extra-inputs value: a JSON object of fields, or `name:value` with the value
 * typed as JSON when it parses (numbers, booleans, arrays), else a string.
 */
function extraInput(o: ProfileOptions, v: string): void {
  if (v.trim().startsWith("{")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw bad("--extra-inputs", "a JSON object must parse", v);
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw bad("--extra-inputs", "must be name:value or a JSON object", v);
    }
    Object.assign(o.extraInputs, parsed);
    return;
  }
  const colon = v.indexOf(":");
  if (colon <= 0) throw bad("--extra-inputs", "must be name:value or a JSON object", v);
  const raw = v.slice(colon + 1);
  let value: unknown = raw;
  try {
    value = JSON.parse(raw);
  } catch {
    // Not JSON: the text itself, as GenAI-Perf sends it.
  }
  o.extraInputs[v.slice(0, colon)] = value;
}

export const PROFILE_FLAGS: readonly ProfileFlag[] = [
  {
    names: ["-m", "--model"],
    value: "<name>",
    help: "The model to profile (required).",
    apply: (o, v) => {
      if (v === "") throw bad("-m", "must not be empty", v);
      o.model = v;
    },
  },
  {
    names: ["-u", "--url"],
    value: "<host:port>",
    help: "The server (default localhost:8000).",
    apply: (o, v) => {
      o.url = v;
    },
  },
  {
    names: ["--endpoint-type"],
    value: "<type>",
    help: "chat | completions | embeddings (default chat).",
    apply: (o, v) => {
      o.endpointType = choice("--endpoint-type", v, ENDPOINT_TYPES);
    },
  },
  {
    names: ["--endpoint", "--custom-endpoint"],
    value: "<path>",
    help: "The API path, when not the endpoint type's (v1/chat/completions, ...).",
    apply: (o, v) => {
      o.endpoint = v.replace(/^\/+/, "");
    },
  },
  {
    names: ["--streaming"],
    value: "",
    help: "Stream the replies (SSE): time to first token and inter-token latency.",
    apply: (o) => {
      o.streaming = true;
    },
  },
  {
    names: ["--concurrency"],
    value: "<n|a:b:s|n,m,..>",
    help: "Requests in flight (default 1); a range is stepped through in one run (or searched " +
      "with --search), a list is one run per value.",
    apply: (o, v) => {
      o.loadMode = "concurrency";
      o.load = loadValues("--concurrency", v, false);
    },
  },
  {
    names: ["--request-rate"],
    value: "<r|a:b:s|r,s,..>",
    help: "Requests per second, open loop; ranges and lists as for --concurrency.",
    apply: (o, v) => {
      o.loadMode = "request_rate";
      o.load = loadValues("--request-rate", v, true);
    },
  },
  {
    names: ["--request-distribution", "--request-rate-mode", "--arrival-pattern"],
    value: "<d>",
    help: "constant | poisson | gamma (default constant; gamma's shape is --burstiness).",
    apply: (o, v) => {
      o.requestDistribution = choice("--request-distribution", v, DISTRIBUTIONS);
    },
  },
  {
    names: ["--burstiness", "--arrival-smoothness"],
    value: "<k>",
    help: "The gamma distribution's shape (vLLM's; default 1, which is poisson; below 1 " +
      "burstier, above 1 more even).",
    apply: (o, v) => {
      o.burstiness = decimal("--burstiness", v, (n) => n > 0, "must be above 0");
    },
  },
  {
    names: ["--request-count", "--num-requests"],
    value: "<n>",
    help: "Measure exactly this many requests per load value (default: time windows).",
    apply: (o, v) => {
      o.requestCount = integer("--request-count", v, 1);
    },
  },
  {
    names: ["--warmup-request-count", "--num-warmup-requests", "--num-warmups"],
    value: "<n>",
    help: "Requests sent before measuring (default 0).",
    apply: (o, v) => {
      o.warmupRequestCount = integer("--warmup-request-count", v, 0);
    },
  },
  {
    names: ["--measurement-interval", "-p"],
    value: "<ms>",
    help: "Window length in ms (default 10000); three windows per load value.",
    apply: (o, v) => {
      o.measurementIntervalMs = integer("--measurement-interval", v, 1);
    },
  },
  {
    names: ["--extra-inputs"],
    value: "<name:value>",
    help: "A field added to every request body (repeatable; JSON values keep their type).",
    apply: extraInput,
  },
  {
    names: ["-H", "--header"],
    value: "<Name:Value>",
    help: "An HTTP header sent with every request (repeatable).",
    apply: (o, v) => {
      parseHeader(v);
      o.headers.push(v);
    },
  },
  {
    names: ["--random-seed", "--seed"],
    value: "<n>",
    help: "Seed of the prompts and of the poisson schedule (default 0).",
    apply: (o, v) => {
      o.randomSeed = integer("--random-seed", v, 0);
    },
  },
  {
    names: ["--artifact-dir", "--result-dir"],
    value: "<dir>",
    help: "Where inputs.json and the reports go (default artifacts/<model>-openai-<type>-<load>).",
    apply: (o, v) => {
      if (v === "") throw bad("--artifact-dir", "must not be empty", v);
      o.artifactDir = v;
    },
  },
  {
    names: ["--tokenizer"],
    value: "<builtin|path>",
    help: "Offline tokenizer for the prompts and the token counts: builtin (o200k_base) or a " +
      "tokenizer.json. Default: prompts by builtin, counts from the server's usage.",
    apply: (o, v) => {
      if (v === "") throw bad("--tokenizer", "must not be empty", v);
      o.tokenizer = v;
    },
  },
  {
    names: ["--goodput"],
    value: "<metric:ms> ...",
    words: true,
    help: "Service-level targets (time_to_first_token, time_to_second_token, " +
      "inter_token_latency, request_latency in ms; output_token_throughput_per_user at least, " +
      "tokens/s): a request is good when it meets all; failures never are.",
    apply: (o, v) => {
      // Given again, the targets add up (a metric named twice is an error).
      const all = [...o.goodput.map((t) => `${t.metric}:${t.value}`), v].join(" ");
      try {
        o.goodput = parseGoodput(all);
      } catch (e) {
        throw bad("--goodput", (e as Error).message, v);
      }
    },
  },
  {
    names: ["--search", "--binary-search"],
    value: "",
    help: "Find the highest load of the --concurrency or --request-rate range a:b:s whose " +
      "attainment stays at or above --slo-attainment (needs --goodput); the step is the " +
      "precision. Ends a level early when time to first token grows window over window.",
    apply: (o) => {
      o.search = true;
    },
  },
  {
    names: ["--slo-attainment"],
    value: "<fraction>",
    help: "The good share a load must keep in the search (default 0.95).",
    apply: (o, v) => {
      o.sloAttainment = decimal("--slo-attainment", v, (n) => n > 0 && n <= 1, "must be in (0, 1]");
    },
  },
  {
    names: ["--server-metrics-url"],
    value: "<url>",
    help: "A Prometheus endpoint (vLLM's, SGLang's, TGI's or Triton's /metrics) scraped " +
      "during every window (repeatable).",
    apply: (o, v) => {
      if (v === "") throw bad("--server-metrics-url", "must not be empty", v);
      o.serverMetricsUrls.push(v);
    },
  },
  {
    names: ["--server-metrics-interval"],
    value: "<ms>",
    help: "Time between scrapes of --server-metrics-url (default 1000).",
    apply: (o, v) => {
      o.serverMetricsIntervalMs = integer("--server-metrics-interval", v, 1);
    },
  },
  {
    names: ["--generate-plots"],
    value: "",
    help: "Also write plots.html: latency against throughput across the levels, TTFT against " +
      "input length, time per token against its position, TTFT and requests in flight per " +
      "window over time, and the distributions.",
    apply: (o) => {
      o.generatePlots = true;
    },
  },
  {
    names: ["--profile-export-file"],
    value: "<file>",
    help: "Also write every request's timestamps (perf_analyzer's export) into the artifact dir.",
    apply: (o, v) => {
      if (v === "" || v.includes("/")) throw bad("--profile-export-file", "must be a file name", v);
      o.profileExportFile = v;
    },
  },
  {
    names: ["-v", "--verbose"],
    value: "",
    help: "Also print the perf_analyzer front's report of every level.",
    apply: (o) => {
      o.verbose = true;
    },
  },
  {
    names: ["--synthetic-input-tokens-mean", "--isl", "--random-input-len"],
    value: "<n>",
    help: "Prompt length in tokens (default 550).",
    apply: (o, v) => {
      o.syntheticInputTokensMean = integer("--synthetic-input-tokens-mean", v, 1);
    },
  },
  {
    names: ["--synthetic-input-tokens-stddev", "--isl-stddev"],
    value: "<n>",
    help: "Its standard deviation (default 0).",
    apply: (o, v) => {
      o.syntheticInputTokensStddev = decimal(
        "--synthetic-input-tokens-stddev",
        v,
        (n) => n >= 0,
        "must be at least 0",
      );
    },
  },
  {
    names: ["--output-tokens-mean", "--osl", "--random-output-len"],
    value: "<n>",
    help: "max_tokens of every request (default: the server decides).",
    apply: (o, v) => {
      o.outputTokensMean = integer("--output-tokens-mean", v, 1);
    },
  },
  {
    names: ["--output-tokens-stddev", "--osl-stddev"],
    value: "<n>",
    help: "Its standard deviation (default 0).",
    apply: (o, v) => {
      o.outputTokensStddev = decimal("--output-tokens-stddev", v, (n) => n >= 0, "must be >= 0");
    },
  },
  {
    names: ["--output-tokens-mean-deterministic"],
    value: "",
    help: "Also send min_tokens and ignore_eos so the server returns exactly that many.",
    apply: (o) => {
      o.outputTokensMeanDeterministic = true;
    },
  },
  {
    names: ["--num-dataset-entries", "--num-prompts"],
    value: "<n>",
    help: "Distinct prompts, sent round robin (default 100).",
    apply: (o, v) => {
      o.numDatasetEntries = integer("--num-dataset-entries", v, 1);
    },
  },
  {
    names: ["--num-prefix-prompts"],
    value: "<n>",
    help: "Shared prefixes the prompts start with (default 0: none).",
    apply: (o, v) => {
      o.numPrefixPrompts = integer("--num-prefix-prompts", v, 0);
    },
  },
  {
    names: ["--prefix-prompt-length"],
    value: "<n>",
    help: "Tokens of each shared prefix (default 100).",
    apply: (o, v) => {
      o.prefixPromptLength = integer("--prefix-prompt-length", v, 1);
    },
  },
  {
    names: ["--input-file"],
    value: "<file>",
    help: "Prompts from a file (JSONL, ShareGPT, sessions, Mooncake trace) instead of synthetic.",
    apply: (o, v) => {
      if (v === "") throw bad("--input-file", "must not be empty", v);
      o.inputFile = v;
    },
  },
  {
    names: ["--fixed-schedule"],
    value: "",
    help: "Replay the input file's timestamps instead of a concurrency or rate.",
    apply: (o) => {
      o.fixedSchedule = true;
    },
  },
  {
    names: ["--fixed-schedule-speedup", "--replay-speedup"],
    value: "<x>",
    help: "Divide the trace's timestamps by this (default 1).",
    apply: (o, v) => {
      o.fixedScheduleSpeedup = decimal("--fixed-schedule-speedup", v, (n) => n > 0, "must be > 0");
    },
  },
];

/** GenAI-Perf flags this front does not take, with what to do instead. */
const REFUSED: Record<string, string> = {
  "--service-kind": "profile always speaks the openai kind; use the perf_analyzer front for others",
  "--backend": "Triton's tensorrtllm/vllm backends are not spoken by profile",
  "--model-selection-strategy": "one model per run",
};

export type ProfileParse = { action: "help" } | { action: "run"; options: ProfileOptions };

/** Parses the subcommand's argv (after "profile"); `--flag=value` and `--flag value` both work. */
export function parseProfileArgs(argv: readonly string[]): ProfileParse {
  const o = defaultProfileOptions();
  const byName = new Map<string, ProfileFlag>();
  for (const f of PROFILE_FLAGS) for (const n of f.names) byName.set(n, f);
  let loadFlag: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "-h" || arg === "--help") return { action: "help" };
    const eq = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const flag = byName.get(name);
    if (flag === undefined) {
      const why = REFUSED[name];
      if (why !== undefined) throw new UsageError(`profile ${name}: ${why}`);
      const hint = arg.startsWith("-") ? didYouMean(name, [...byName.keys()]) : "";
      throw new UsageError(
        arg.startsWith("-")
          ? `profile: unknown flag ${name}${hint} (profile --help lists them)`
          : `profile: unexpected argument "${arg}" (profile --help lists the flags)`,
      );
    }
    if (flag.names.includes("--concurrency") || flag.names.includes("--request-rate")) {
      if (loadFlag !== undefined && loadFlag !== flag.names[0]) {
        throw new UsageError(`profile: give --concurrency or --request-rate, not both`);
      }
      loadFlag = flag.names[0];
    }
    if (flag.value === "") {
      if (eq > 0) throw new UsageError(`profile ${name} takes no value`);
      flag.apply(o, "");
      continue;
    }
    let value: string;
    if (eq > 0) value = arg.slice(eq + 1);
    else {
      if (i + 1 >= argv.length) throw new UsageError(`profile ${name} needs a value`);
      value = argv[++i];
      while (flag.words && i + 1 < argv.length && !argv[i + 1].startsWith("-")) {
        value += ` ${argv[++i]}`;
      }
    }
    flag.apply(o, value);
  }
  if (o.fixedSchedule && loadFlag !== undefined) {
    throw new UsageError(
      `profile --fixed-schedule sends at the trace's timestamps: drop ${loadFlag}`,
    );
  }
  checkProfile(o);
  return { action: "run", options: o };
}

/** Combinations that cannot work, said before anything is sent. */
function checkProfile(o: ProfileOptions): void {
  if (o.model === "") throw new UsageError("profile needs -m <model>");
  if (o.endpointType === "embeddings" && o.streaming) {
    throw new UsageError("profile --streaming: embeddings replies are never streamed");
  }
  if (o.burstiness !== undefined && o.requestDistribution !== "gamma") {
    throw new UsageError(
      "profile --burstiness is the gamma distribution's shape: add " +
        "--request-distribution gamma",
    );
  }
  if (o.requestDistribution !== "constant" && o.loadMode !== "request_rate") {
    throw new UsageError(`profile --request-distribution needs --request-rate`);
  }
  if (o.search) {
    if (o.goodput.length === 0) {
      throw new UsageError("profile --search needs --goodput (the targets it keeps)");
    }
    if (o.load.kind !== "range" || o.load.range.end === o.load.range.start) {
      throw new UsageError(
        "profile --search needs a range to search: --concurrency a:b:s or --request-rate a:b:s",
      );
    }
    if (o.requestCount !== undefined) {
      throw new UsageError(
        "profile --search measures time windows (the over-saturation guard compares them); " +
          "drop --request-count and set --measurement-interval",
      );
    }
  }
  if (o.fixedSchedule && o.inputFile === undefined) {
    throw new UsageError("profile --fixed-schedule replays an --input-file trace: add one");
  }
  if (o.fixedScheduleSpeedup !== undefined && !o.fixedSchedule) {
    throw new UsageError("profile --fixed-schedule-speedup needs --fixed-schedule");
  }
}
