/**
 * `merge DIR... [-f out.csv] [--report-json F] [--report-html F] [--allow-partial]`: the worker
 * artifacts of a distributed run → the console report, CSV, JSON, HTML and exit code one
 * machine would have given. The run's settings come from parsing the workers' own arguments
 * again; the files named here replace the workers' own.
 */
import type { BackendDescriptor } from "../backend.ts";
import type { RunConfig } from "../cli/config.ts";
import { ExitCode, isRunError, isUsageError, UsageError } from "../errors.ts";
import { findBuiltIn } from "../registry.ts";
import { formatSettings } from "../report/console.ts";
import { checkOutputFiles, reportsToStdout } from "../report/files.ts";
import type { ReportContext, RunInfo } from "../report/format.ts";
import { reportRun, sweep } from "../run.ts";
import { artifactsInText, type WorkerArtifact } from "./artifact.ts";
import { checkCoverage, type Coverage, mergeLevels, serverStatsCover } from "./merge.ts";

export interface MergeIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readTextFile(path: string): Promise<string>;
  writeTextFile(path: string, text: string): Promise<void>;
  /** The names in a folder, or undefined when `path` is not a folder. */
  listDir(path: string): Promise<string[] | undefined>;
  cwd: string;
  backends: readonly BackendDescriptor[];
  /** Parses a worker's arguments into its RunConfig (the CLI's own parse). */
  parseArgs(argv: string[]): Promise<RunConfig>;
  runInfo?: (argv: string[]) => RunInfo;
}

interface MergeArgs {
  inputs: string[];
  csvFile?: string;
  reportJsonFile?: string;
  reportHtmlFile?: string;
  allowPartial: boolean;
  help?: boolean;
}

const USAGE = "Usage: perf_analyzer merge <dir|worker-i.json|log>... [-f out.csv]\n" +
  "         [--report-json F] [--report-html F] [--allow-partial]";

function parseArgs(args: string[]): MergeArgs {
  const out: MergeArgs = { inputs: [], allowPartial: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => {
      const v = args[++i];
      if (v === undefined || v === "") throw new UsageError(`merge: ${a} needs a value.\n${USAGE}`);
      return v;
    };
    if (a === "-f") out.csvFile = value();
    else if (a === "--report-json") out.reportJsonFile = value();
    else if (a === "--report-html") out.reportHtmlFile = value();
    else if (a === "--allow-partial") out.allowPartial = true;
    else if (a === "--help" || a === "-h") out.help = true;
    else if (a.startsWith("-") && a !== "-") {
      throw new UsageError(`merge: unknown option ${a}.\n${USAGE}`);
    } else out.inputs.push(a);
  }
  if (out.inputs.length === 0 && !out.help) {
    throw new UsageError(`merge: name the artifacts' folder.\n${USAGE}`);
  }
  return out;
}

const MERGE_HELP = [
  "Reports the worker artifacts of a distributed run (--dist-out) as one run: the console",
  "report, -f's CSV, --report-json and --report-html, and the exit code. A folder gives its",
  "worker-<i>.json files; a file may be one artifact or a log holding artifacts printed with",
  "--dist-out -. A missing worker is an error unless --allow-partial, which marks every output",
  "PARTIAL with the share of the load the present workers sent.",
].join("\n");

const ARTIFACT_FILE = /^worker-\d+\.json$/;

async function readArtifacts(inputs: string[], io: MergeIo): Promise<WorkerArtifact[]> {
  const paths: string[] = [];
  for (const input of inputs) {
    const names = await io.listDir(input);
    if (names === undefined) paths.push(input);
    else {
      paths.push(...names.filter((n) => ARTIFACT_FILE.test(n)).sort().map((n) => `${input}/${n}`));
    }
  }
  const artifacts: WorkerArtifact[] = [];
  for (const path of paths) {
    let text: string;
    try {
      text = await io.readTextFile(path);
    } catch (e) {
      throw new UsageError(`merge: cannot read ${path}: ${(e as Error).message}`);
    }
    artifacts.push(...artifactsInText(text, path));
  }
  return artifacts;
}

/** The marks a partial merge puts on every output: what was missing, what share was sent. */
function partialNote(c: Coverage): string {
  return `PARTIAL: ${c.missing.join(", ")} missing; the workers merged sent ` +
    `${(c.fraction * 100).toFixed(1)}% of the offered load`;
}

/** Adds the PARTIAL mark to a file's text according to its kind. */
function markPartial(path: string, text: string, args: MergeArgs, note: string): string {
  if (path === args.csvFile) return `${text}PARTIAL,"${note}"\n`;
  if (path === args.reportJsonFile) {
    return text.replace("{", `{\n  "partial": ${JSON.stringify(note)},`);
  }
  if (path === args.reportHtmlFile) {
    return text.replace(/<body[^>]*>/, (body) => `${body}\n<p><strong>${note}</strong></p>`);
  }
  return text;
}

export async function mergeMain(argv: string[], io: MergeIo): Promise<number> {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(`${USAGE}\n\n${MERGE_HELP}\n`);
      return ExitCode.Success;
    }
    return await merge(args, io);
  } catch (e) {
    if (isUsageError(e)) {
      io.stderr(`Error: ${e.message}\n`);
      return ExitCode.Generic;
    }
    if (isRunError(e)) {
      io.stderr(`error: ${e.message}\n`);
      return e.code;
    }
    throw e;
  }
}

async function merge(args: MergeArgs, io: MergeIo): Promise<number> {
  const coverage = checkCoverage(await readArtifacts(args.inputs, io), args.allowPartial);
  const first = coverage.artifacts[0];
  const config: RunConfig = {
    ...await io.parseArgs(first.argv),
    csvFile: args.csvFile,
    reportJsonFile: args.reportJsonFile,
    reportHtmlFile: args.reportHtmlFile,
    profileExportFile: undefined,
  };
  await checkOutputFiles(config, io.cwd);
  const human = reportsToStdout(config) ? io.stderr : io.stdout;
  const stats = coverage.artifacts.find((a) => a.serverStats);
  const descriptor = findBuiltIn(io.backends, config.serviceKind) ?? config.plugin;
  const rateMode = config.loadMode === "request_rate";
  const ctx: ReportContext = {
    config,
    model: (stats ?? first).model,
    protocolLabel: config.protocol === "grpc" ? "gRPC" : "HTTP",
    serverStats: stats !== undefined && serverStatsCover(config.requestCount),
    backendKind: descriptor?.kind,
    banner: descriptor?.banner,
    rate: rateMode
      ? { range: config.requestRate, distribution: config.requestDistribution }
      : undefined,
    runInfo: config.reportJsonFile ?? config.reportHtmlFile ? io.runInfo?.(first.argv) : undefined,
  };
  const note = coverage.missing.length > 0 ? partialNote(coverage) : undefined;
  if (note !== undefined) io.stderr(`${note}\n`);
  warnLateness(coverage.artifacts, io.stderr);
  warnUnsynchronized(coverage.artifacts, io.stderr);
  if (stats !== undefined && !serverStatsCover(config.requestCount)) {
    io.stderr(
      "Warning: no server-side breakdown is reported: with --request-count each worker's window " +
        "ends when its share is done, and the server statistics worker 0 read cover its window " +
        "only.\n",
    );
  }
  human(
    `Merged ${coverage.artifacts.length} worker artifacts of run ${first.runId} ` +
      `(${first.windowsPerLevel} windows of ${first.windowNs / 1e6} ms per level)\n`,
  );
  human(formatSettings(ctx));
  const levels = mergeLevels(coverage, {
    batchSize: config.batchSize,
    percentile: config.percentile,
    rule: { threshold: config.stabilityThreshold, latencyLimitNs: config.latencyThresholdMs * 1e6 },
    async: config.async,
    requestCount: config.requestCount,
    maxErrorRate: config.maxErrorRate,
    warn: (m) => io.stderr(`${m}\n`),
  });
  const range = config.loadMode === "concurrency"
    ? config.concurrency
    : rateMode
    ? config.requestRate
    : { start: levels[0]?.value ?? 0, end: levels[0]?.value ?? 0, step: 1 };
  if (levels.length === 0) throw new UsageError("merge: the artifacts hold no measured level");
  // The sweep visits the range as the workers did; it stops after the last merged level (a
  // partial merge may hold fewer than the range).
  let next = 0;
  const handedOut = new AbortController();
  const signal = new AbortController().signal;
  const result = await sweep(
    { range, integral: config.loadMode === "concurrency", batches: undefined },
    config,
    ctx,
    { stdout: human, stderr: io.stderr },
    handedOut.signal,
    (_value) => {
      if (next + 1 === levels.length) handedOut.abort();
      return Promise.resolve(levels[next++]);
    },
  );
  const code = await reportRun(result, levels, ctx, {
    stdout: human,
    stderr: io.stderr,
    signal,
    writeTextFile: (path, text) =>
      io.writeTextFile(path, note === undefined ? text : markPartial(path, text, args, note)),
  });
  if (note !== undefined) human(`${note}\n`);
  return code;
}

/** Lateness past 1 % of a window skews the first window's share of that worker: say so. */
function warnLateness(artifacts: WorkerArtifact[], warn: (text: string) => void): void {
  for (const a of artifacts) {
    if (a.clock.lateNs > a.windowNs / 100) {
      warn(
        `Warning: worker ${a.worker.index} started ${(a.clock.lateNs / 1e6).toFixed(1)} ms ` +
          "after --start-at (more than 1% of a window); its first window is short.\n",
      );
    }
  }
}

/**
 * --start-at is one wall-clock instant: a worker whose clock was not synchronized may have
 * started anywhere within its clock's error, which its lateness cannot show. An MPI barrier
 * start reads no wall clock, so it is not warned about.
 */
function warnUnsynchronized(artifacts: WorkerArtifact[], warn: (text: string) => void): void {
  for (const a of artifacts) {
    const sync = a.clock.sync;
    if (a.clock.mode !== "start-at" || sync?.state !== "unsynchronized") continue;
    const max = sync.maxErrorUs === undefined ? "" : ` (max error ${sync.maxErrorUs / 1e3} ms)`;
    warn(
      `Warning: worker ${a.worker.index}'s clock was not synchronized${max} (adjtimex); ` +
        "--start-at compares wall clocks, so its start may be off by that much.\n",
    );
  }
}
