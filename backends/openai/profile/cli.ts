/**
 * `profile`: GenAI-Perf's command on this tool's engine. It builds the prompts into
 * <artifact dir>/inputs.json, runs the perf_analyzer front's RunConfig for each load (one run
 * for a value or a range, one per value of a list), and writes GenAI-Perf's reports from the
 * levels measured. The run itself, its windows, schedules and measurement are the engine's
 * (core/run.ts): nothing here sends a request.
 */
import { ExitCode, UsageError } from "../../../core/errors.ts";
import type { BackendDescriptor } from "../../../core/backend.ts";
import { parseCommandLine } from "../../../core/cli/command_line.ts";
import type { RunConfig } from "../../../core/cli/config.ts";
import type { RunDeps } from "../../../core/run.ts";
import type { LevelResult } from "../../../core/measure/results.ts";
import { resolvePath } from "../../../core/report/sinks.ts";
import { buildInputs, type PromptSet, writeDocument } from "../prompts/mod.ts";
import { parseProfileArgs, type ProfileOptions } from "./options.ts";
import {
  defaultArtifactDir,
  loadRuns,
  perfAnalyzerArgs,
  promptOptions,
  type RunFiles,
  withProfileSettings,
} from "./translate.ts";
import {
  formatConsole,
  formatCsv,
  formatJson,
  formatSweepConsole,
  formatSweepCsv,
  loadLabel,
} from "./report.ts";
import { profileHelp } from "./help.ts";
import { ServerMetricsScraper } from "./server_metrics.ts";
import { formatPlots } from "./plots.ts";

export interface ProfileDeps {
  /** The engine's dependencies; stdout is this command's, the engine's report goes to it with -v. */
  run: RunDeps;
  /** The engine: core/run.ts's run, injected by the composition root. */
  runConfig(config: RunConfig, deps: RunDeps): Promise<number>;
  /** Checks that the run's output files can be written (core/report/files.ts). */
  checkOutputFiles(config: RunConfig, cwd: string): Promise<void>;
  backends: readonly BackendDescriptor[];
  mkdir(path: string): Promise<void>;
}

export const INPUTS_FILE = "inputs.json";
export const CSV_FILE = "profile_export_genai_perf.csv";
export const JSON_FILE = "profile_export_genai_perf.json";
export const SWEEP_FILE = "sweep_genai_perf.csv";
export const PLOTS_FILE = "plots.html";

/** What one profile produced: every level measured, and those that passed. */
interface Measured {
  reported: LevelResult[];
  measured: LevelResult[];
  code: number;
}

export async function profileMain(argv: string[], deps: ProfileDeps): Promise<number> {
  const parsed = parseProfileArgs(argv);
  const out = deps.run.stdout;
  if (parsed.action === "help") {
    out(profileHelp());
    return ExitCode.Success;
  }
  const o = parsed.options;
  const dir = resolvePath(o.artifactDir ?? defaultArtifactDir(o), deps.run.cwd);
  await deps.mkdir(dir);
  const prompts = await buildInputs(promptOptions(o), { readTextFile: deps.run.readTextFile });
  const files: RunFiles = {
    inputs: `${dir}/${INPUTS_FILE}`,
    export: o.profileExportFile === undefined ? undefined : `${dir}/${o.profileExportFile}`,
  };
  // Written in pieces: 100,000 long prompts as one JSON string would double the peak memory.
  await writeDocument(prompts.document, files.inputs);
  deps.run.stderr(inputsLine(prompts, files.inputs));
  const scraper = o.serverMetricsUrls.length === 0 ? undefined : new ServerMetricsScraper({
    urls: o.serverMetricsUrls,
    intervalMs: o.serverMetricsIntervalMs,
    clock: deps.run.clock,
    warn: (m) => deps.run.stderr(`${m}\n`),
  });
  await scraper?.start();
  let result: Measured;
  try {
    result = await measureAll(o, files, prompts, deps);
  } finally {
    await scraper?.stop();
  }
  return await writeReports(o, dir, result, deps, scraper);
}

function inputsLine(p: PromptSet, path: string): string {
  const lengths = p.inputLengths;
  // A loop, not Math.min(...): a dataset of 100,000 prompts would overflow the argument stack.
  let min = Infinity;
  let max = -Infinity;
  for (const n of lengths) {
    if (n < min) min = n;
    if (n > max) max = n;
  }
  const span = min === max ? `${min}` : `${min} to ${max}`;
  return `Wrote ${lengths.length} prompts of ${span} input tokens (${p.tokenizer}) to ${path}\n`;
}

/** Runs the engine once per load run; a run that fails to start ends the profile. */
async function measureAll(
  o: ProfileOptions,
  files: RunFiles,
  prompts: PromptSet,
  deps: ProfileDeps,
): Promise<Measured> {
  const shape = {
    timestamps: prompts.document.data.some((e) => e.timestamp !== undefined),
    sessions: prompts.document.data.some((e) => e.session_id !== undefined),
  };
  const all: Measured = { reported: [], measured: [], code: ExitCode.Success };
  const runs = loadRuns(o);
  for (const [i, load] of runs.entries()) {
    // Each run of a list would write the same export file: the last run's is kept.
    const runFiles = i === runs.length - 1 ? files : { inputs: files.inputs };
    const cli = parseCommandLine(perfAnalyzerArgs(o, load, runFiles, shape), deps.backends);
    if (cli.action !== "run") throw new UsageError("profile: the engine did not take the run");
    for (const w of cli.warnings) deps.run.stderr(`${w}\n`);
    const config = withProfileSettings(cli.config, o);
    await deps.checkOutputFiles(config, deps.run.cwd);
    const code = await deps.runConfig(config, {
      ...deps.run,
      // The engine's own report is perf_analyzer's; with -v it goes to stdout too.
      stdout: o.verbose ? deps.run.stdout : () => {},
      levels: (reported, measured) => {
        all.reported.push(...reported);
        all.measured.push(...measured);
      },
    });
    if (code !== ExitCode.Success) all.code = code;
    if (deps.run.signal.aborted) break;
  }
  return all;
}

async function writeReports(
  o: ProfileOptions,
  dir: string,
  r: Measured,
  deps: ProfileDeps,
  scraper: ServerMetricsScraper | undefined,
): Promise<number> {
  let code = r.code;
  const out = deps.run.stdout;
  const server = (level: LevelResult) => scraper?.level(level) ?? [];
  const write = (name: string, text: string) => deps.run.writeTextFile(`${dir}/${name}`, text);
  const several = r.measured.length > 1;
  if (o.search) {
    const best = r.reported.reduce<LevelResult | undefined>(
      (b, l) => b === undefined || l.value > b.value ? l : b,
      undefined,
    );
    out(formatSweepConsole(r.measured, o.loadMode));
    if (best === undefined) {
      out(
        `No load in the range kept ${o.sloAttainment * 100} % of the requests within every ` +
          "goodput target.\n",
      );
      // As a failed --threshold gate: the run completed, and its answer is "none".
      if (code === ExitCode.Success) code = ExitCode.ThresholdFailed;
    } else {
      out(
        `Highest load keeping at least ${o.sloAttainment * 100} % of the requests within ` +
          `every goodput target: ${loadLabel(best)}\n\n`,
      );
      out(formatConsole(best, o, server(best)));
      await write(CSV_FILE, formatCsv(best, o));
      await write(JSON_FILE, formatJson(best, o, server(best)));
    }
  } else {
    for (const level of r.reported) {
      out(formatConsole(level, o, server(level)));
      out("\n");
      const sub = several ? `${subdirOf(level)}/` : "";
      if (several) await deps.mkdir(`${dir}/${subdirOf(level)}`);
      await write(`${sub}${CSV_FILE}`, formatCsv(level, o));
      await write(`${sub}${JSON_FILE}`, formatJson(level, o, server(level)));
    }
    if (several) out(formatSweepConsole(r.measured, o.loadMode));
  }
  if (several || o.search) await write(SWEEP_FILE, formatSweepCsv(r.measured, o.loadMode));
  if (o.generatePlots) await write(PLOTS_FILE, formatPlots(r.measured, o));
  deps.run.stderr(`Reports written to ${dir}\n`);
  return code;
}

/** A sweep level's own directory: concurrency8, request_rate12.5. */
function subdirOf(level: LevelResult): string {
  return `${level.mode}${level.value}`;
}
