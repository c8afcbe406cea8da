/**
 * `deno task bench`: first the start-up rows, while the machine is still quiet: wall time of
 * `deno run -A main.ts --version` and `--help`, with main.ts and with the bundle, next to an empty
 * script (scripts/bench_startup.ts); then how fast our raw HTTP/1.1 client (the Triton HTTP backend
 * under the Dispatcher) drives a canned KServe v2 endpoint served by nginx on loopback, next to wrk
 * on the same URL in the same run, at 8 and 64 connections; then a memory soak of the real CLI
 * (`deno run -A main.ts ... --request-count N`, its RSS read from /proc) for one window at full
 * rate; then the pacing rows: the CLI open loop at 20,000 req/s once per --pacing mode (send
 * lateness, service time, CPU); then the gRPC rows: the gRPC backend's channels against the
 * reference server (scripts/bench_grpc.ts); then the C API rows: the CLI in-process on the C double
 * next to HTTP on the reference server (scripts/bench_capi.ts); then the shared-memory rows: a
 * 1 MiB tensor inline vs --shared-memory system (scripts/bench_shm.ts); then the LLM rows: our
 * openai client vs a Python asyncio + aiohttp client streaming from the OpenAI mock at 1-1024
 * streams, and a memory soak of our client (scripts/bench_openai.ts); then the prompt synthesis
 * row: 100,000 synthetic prompts of 1,000 tokens, seconds and peak RSS (scripts/bench_prompts.ts);
 * then the distributed row: `merge` of 64 worker artifacts of a 10-level sweep
 * (scripts/bench_dist.ts); then the overload row: the one-instance reference server asked twice its
 * capacity in open loop (scripts/bench_overload.ts); then the tensor-size rows: 16 B, 64 KiB, 1 MiB
 * and 16 MiB over HTTP, gRPC unary and gRPC streaming with client and server CPU per request
 * (scripts/bench_tensor.ts); then the MPI rows: start skew across 4 ranks leaving one barrier, and
 * 4 distributed workers under mpirun at one --request-rate, merged, against the asked rate and the
 * server's count (scripts/bench_mpi.ts, needs openmpi-bin). Prints a table and writes
 * bench/results.json. A measurement, not a test: it exits 1 only when a measurement is invalid
 * (failed requests, broken keep-alive, the CLI failing), never for a missed target.
 *
 *   --duration S          seconds per throughput row (default 10)
 *   --soak S              seconds the soak's window should last (default 60)
 *   --soak-connections C  the soak's --concurrency-range (default 64)
 *   --only-http           only the throughput rows: wrk and our client on nginx at 8 and 64
 *                         connections (combines with --only-soak and --only-pacing)
 *   --only-soak           only the soak (a short CLI run sizes it)
 *   --only-pacing         only the pacing rows (with --only-soak: the soak and the pacing rows)
 *   --pacing-window MS    the pacing rows' -p (default 5000: three 6 s windows)
 *   --pacing-async        pace with -a (--max-inflight default) instead of --max-threads 64
 *   --pacing-warmup S     send S seconds of warmup requests first (default 0, as perf_analyzer)
 *   --only-grpc           only the gRPC rows (no nginx or wrk needed); they replace just the
 *                         `grpc` key of the existing --out file, keeping the full run's numbers
 *   --only-capi           only the C API rows (needs gcc for the double); they replace just the
 *                         `capi` key of the existing --out file
 *   --only-shm            only the shared-memory rows; they replace just the `shm` key
 *   --only-openai         only the LLM rows (needs python3-aiohttp); they replace just the
 *                         `openai` key
 *   --only-prompts        only the prompt synthesis row; it replaces just the `prompts` key
 *   --only-dist           only the distributed-merge row; it replaces just the `dist` key
 *   --only-overload       only the overload row; it replaces just the `overload` key
 *   --only-tensor         only the tensor-size rows; they replace just the `tensor` key
 *   --only-mpi            only the MPI rows (start skew, distributed rate); they replace just
 *                         the `mpi` key
 *   --only-startup        only the start-up rows; they replace just the `startup` key
 *   --openai-soak S       seconds of the LLM client's memory soak (default 30, --quick 5);
 *                         --openai-soak 600 is the 10-minute flatness check
 *   --warmup S            seconds of our client's warmup before each window (default 2)
 *   --repeat N            runs per tool and connection count, best one shown (default 1)
 *   --quick               3 s rows, 10 s soak, 1 s warmup, 2.4 s pacing windows, 1 s gRPC,
 *                         C API, shared-memory and LLM rows, 10,000 prompts, 5 timed start-up
 *                         runs of each command (15 without)
 *   --out FILE            where the JSON goes (default bench/results.json)
 */
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { missingTools } from "./bench_tools.ts";
import { type BenchPlan, runBench } from "./bench_run.ts";
import { formatTable } from "./bench_report.ts";
import { pacingLines } from "./bench_pacing_report.ts";
import type { GrpcBenchPlan } from "./bench_grpc_channel.ts";
import { grpcLines, grpcPlan, runGrpcSection } from "./bench_grpc.ts";
import { capiLines, type CapiPlan, runCapiSection } from "./bench_capi.ts";
import { runShmSection, shmLines, type ShmPlan } from "./bench_shm.ts";
import { mergeSection } from "./bench_table.ts";
import {
  aiohttpMissing,
  type OpenAiBenchPlan,
  openAiPlan,
  runOpenAiSection,
  tasksetMissing,
} from "./bench_openai.ts";
import { openAiLines } from "./bench_openai_report.ts";
import { promptsLines, type PromptsPlan, promptsPlan, runPromptsSection } from "./bench_prompts.ts";
import { distLines, type DistPlan, distPlan, runDistSection } from "./bench_dist.ts";
import { overloadLines, runOverloadSection } from "./bench_overload.ts";
import { runTensorSection, tensorLines } from "./bench_tensor.ts";
import { mpiLines, type MpiPlan, mpiPlan, mpirunMissing, runMpiSection } from "./bench_mpi.ts";
import { runStartupSection, startupLines, type StartupPlan, startupPlan } from "./bench_startup.ts";

const RESULTS = new URL("../bench/results.json", import.meta.url).pathname;
/** Far below what the client sustains closed-loop, so pacing, not throughput, is measured. */
const PACING_RATE = 20_000;
const PACING_MAX_THREADS = 64;

function positive(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new RangeError(`--${flag} must be a positive number`);
  return n;
}

function nonNegative(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`--${flag} must be a number >= 0`);
  return n;
}

type Section =
  | "grpc"
  | "capi"
  | "shm"
  | "openai"
  | "prompts"
  | "dist"
  | "overload"
  | "tensor"
  | "mpi"
  | "startup";

interface Plans {
  plan: BenchPlan;
  grpc: GrpcBenchPlan;
  capi: CapiPlan;
  shm: ShmPlan;
  openai: OpenAiBenchPlan;
  prompts: PromptsPlan;
  dist: DistPlan;
  /** Seconds the overload row asks twice the capacity for. */
  overloadS: number;
  /** Requests per 1 MiB tensor row (the smaller sizes send more, 16 MiB a tenth). */
  tensorRequests: number;
  mpi: MpiPlan;
  startup: StartupPlan;
  /** --only-<section>: run just that section and merge it into --out. */
  only: Section | undefined;
  out: string;
}

function planFrom(args: string[]): Plans {
  const { values } = parseArgs({
    args,
    options: {
      duration: { type: "string" },
      soak: { type: "string" },
      "soak-connections": { type: "string" },
      "only-http": { type: "boolean", default: false },
      "only-soak": { type: "boolean", default: false },
      "only-pacing": { type: "boolean", default: false },
      "only-grpc": { type: "boolean", default: false },
      "only-capi": { type: "boolean", default: false },
      "only-shm": { type: "boolean", default: false },
      "only-openai": { type: "boolean", default: false },
      "only-prompts": { type: "boolean", default: false },
      "only-dist": { type: "boolean", default: false },
      "only-overload": { type: "boolean", default: false },
      "only-tensor": { type: "boolean", default: false },
      "only-mpi": { type: "boolean", default: false },
      "only-startup": { type: "boolean", default: false },
      "openai-soak": { type: "string" },
      "pacing-window": { type: "string" },
      "pacing-async": { type: "boolean", default: false },
      "pacing-warmup": { type: "string" },
      warmup: { type: "string" },
      repeat: { type: "string" },
      quick: { type: "boolean", default: false },
      out: { type: "string" },
    },
    strict: true,
  });
  const quick = values.quick ?? false;
  const plan: BenchPlan = {
    connections: [8, 64],
    durationS: positive("duration", values.duration, quick ? 3 : 10),
    soakS: positive("soak", values.soak, quick ? 10 : 60),
    warmupS: positive("warmup", values.warmup, quick ? 1 : 2),
    repeat: Math.ceil(positive("repeat", values.repeat, 1)),
    soakConnections: Math.ceil(positive("soak-connections", values["soak-connections"], 64)),
    wrkThreads: 2,
    onlyHttp: values["only-http"] ?? false,
    onlySoak: values["only-soak"] ?? false,
    onlyPacing: values["only-pacing"] ?? false,
    pacing: {
      modes: ["spin", "timer"],
      rate: PACING_RATE,
      maxThreads: PACING_MAX_THREADS,
      async: values["pacing-async"] ?? false,
      windowMs: Math.ceil(positive("pacing-window", values["pacing-window"], quick ? 2000 : 5000)),
      warmupRequests: Math.round(
        nonNegative("pacing-warmup", values["pacing-warmup"], 0) * PACING_RATE,
      ),
    },
  };
  const only = ([
    "grpc",
    "capi",
    "shm",
    "openai",
    "prompts",
    "dist",
    "overload",
    "tensor",
    "mpi",
    "startup",
  ] as const).filter((s) => values[`only-${s}`] ?? false);
  if (only.length > 0 && (plan.onlyHttp || plan.onlySoak || plan.onlyPacing || only.length > 1)) {
    throw new RangeError(
      "--only-grpc, --only-capi, --only-shm, --only-openai, --only-prompts, --only-dist, " +
        "--only-overload, --only-tensor, --only-mpi and --only-startup combine with no other " +
        "--only-*",
    );
  }
  const openAiSoak = values["openai-soak"] === undefined
    ? undefined
    : nonNegative("openai-soak", values["openai-soak"], 0);
  return {
    plan,
    grpc: grpcPlan(quick),
    capi: { seconds: quick ? 1 : 3 },
    shm: { seconds: quick ? 1 : 3 },
    openai: openAiPlan(quick, openAiSoak),
    prompts: promptsPlan(quick),
    dist: distPlan(quick),
    overloadS: quick ? 10 : 30,
    tensorRequests: quick ? 100 : 400,
    mpi: mpiPlan(quick),
    startup: startupPlan(quick),
    only: only[0],
    out: values.out ?? RESULTS,
  };
}

const USAGE =
  "usage: deno task bench [--duration S] [--soak S] [--soak-connections C] [--only-http]\n" +
  "                       [--only-soak] [--only-pacing] [--only-grpc] [--only-capi]\n" +
  "                       [--only-shm]\n" +
  "                       [--only-openai] [--only-prompts] [--only-dist]\n" +
  "                       [--only-overload] [--only-tensor] [--only-mpi]\n" +
  "                       [--only-startup]\n" +
  "                       [--openai-soak S]\n" +
  "                       [--pacing-window MS]\n" +
  "                       [--pacing-async] [--pacing-warmup S]\n" +
  "                       [--warmup S] [--repeat N] [--quick] [--out FILE]";

async function main(args: string[]): Promise<number> {
  let plans: Plans;
  try {
    plans = planFrom(args);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}`);
    console.error(USAGE);
    return 2;
  }
  return plans.only ? await onlySection(plans) : await fullRun(plans);
}

async function fullRun(plans: Plans): Promise<number> {
  const { plan, grpc: grpcPlan, capi: capiPlan, shm: shmPlan, out } = plans;
  const missing = await missingTools();
  if (missing.length > 0) {
    console.error(`bench: missing ${missing.join(" and ")}; install them with:`);
    console.error(`  apt-get update && apt-get install -y ${missing.join(" ")}`);
    return 1;
  }
  const all = !plan.onlyHttp && !plan.onlySoak && !plan.onlyPacing;
  const unavailable = all
    ? await aiohttpMissing() ?? await tasksetMissing() ??
      await mpirunMissing()
    : undefined;
  if (unavailable !== undefined) {
    console.error(`bench: ${unavailable}`);
    return 1;
  }
  const log = (line: string) => console.log(line);
  // Start-up first: it is cheap, and a spawn-to-exit time wants the quietest machine.
  const startup = all ? await runStartupSection(plans.startup, log) : undefined;
  const bench = await runBench(plan, log);
  // The gRPC, C API, shared-memory and LLM rows need no nginx; they run only with every section.
  const grpc = all ? await runGrpcSection(grpcPlan, log) : undefined;
  const capi = all ? await runCapiSection(capiPlan, log) : undefined;
  const shm = all ? await runShmSection(shmPlan, log) : undefined;
  const openai = all ? await runOpenAiSection(plans.openai, log) : undefined;
  const prompts = all ? await runPromptsSection(plans.prompts, log) : undefined;
  const dist = all ? await runDistSection(plans.dist, log) : undefined;
  const overload = all ? await runOverloadSection(plans.overloadS, log) : undefined;
  const tensor = all ? await runTensorSection(plans.tensorRequests, log) : undefined;
  const mpi = all ? await runMpiSection(plans.mpi, log) : undefined;
  const problems = [
    ...bench.problems,
    ...(startup?.problems ?? []),
    ...(grpc?.problems ?? []),
    ...(capi?.problems ?? []),
    ...(shm?.problems ?? []),
    ...(openai?.problems ?? []),
    ...(prompts?.problems ?? []),
    ...(dist?.problems ?? []),
    ...(mpi?.problems ?? []),
  ];
  const results = {
    ...bench,
    grpc,
    capi,
    shm,
    openai,
    prompts,
    dist,
    overload,
    tensor,
    mpi,
    startup,
    valid: problems.length === 0,
    problems,
  };
  const more = [...pacingLines(results.pacing, results.pacingRuns)];
  const sections = [
    grpc && grpcLines(grpc.rows),
    capi && capiLines(capi.rows),
    shm && shmLines(shm.rows),
    openai && openAiLines(openai.rows, openai.soak, openai.targets),
    prompts && promptsLines(prompts.rows),
    dist && distLines(dist.rows),
    overload && overloadLines(overload.row, overload.targets),
    tensor && tensorLines(tensor),
    mpi && mpiLines(mpi),
    startup && startupLines(startup),
  ];
  for (const lines of sections) {
    if (lines) more.push(...(more.length > 0 ? [""] : []), ...lines);
  }
  console.log("\n" + formatTable(results.rows, results.soak, results.targets, more));
  for (const p of results.problems) console.log(`INVALID: ${p}`);
  await Deno.mkdir(dirname(out), { recursive: true });
  await Deno.writeTextFile(out, JSON.stringify(results, null, 2) + "\n");
  console.log(`\nResults written to ${out}`);
  return results.valid ? 0 : 1;
}

/** Only one section's rows, merged into the existing results so the full run's numbers stay. */
async function onlySection(plans: Plans): Promise<number> {
  const { only, out } = plans;
  const log = (line: string) => console.log(line);
  const runners = {
    grpc: () =>
      runGrpcSection(plans.grpc, log).then((s) => ({ section: s, lines: grpcLines(s.rows) })),
    capi: () =>
      runCapiSection(plans.capi, log).then((s) => ({ section: s, lines: capiLines(s.rows) })),
    shm: () => runShmSection(plans.shm, log).then((s) => ({ section: s, lines: shmLines(s.rows) })),
    openai: () =>
      runOpenAiSection(plans.openai, log).then((s) => ({
        section: s,
        lines: openAiLines(s.rows, s.soak, s.targets),
      })),
    prompts: () =>
      runPromptsSection(plans.prompts, log).then((s) => ({
        section: s,
        lines: promptsLines(s.rows),
      })),
    dist: () =>
      runDistSection(plans.dist, log).then((s) => ({ section: s, lines: distLines(s.rows) })),
    overload: () =>
      runOverloadSection(plans.overloadS, log).then((s) => ({
        section: s,
        lines: overloadLines(s.row, s.targets),
      })),
    tensor: () =>
      runTensorSection(plans.tensorRequests, log).then((s) => ({
        section: s,
        lines: tensorLines(s),
      })),
    mpi: () => runMpiSection(plans.mpi, log).then((s) => ({ section: s, lines: mpiLines(s) })),
    startup: () =>
      runStartupSection(plans.startup, log).then((s) => ({
        section: s,
        lines: startupLines(s),
      })),
  };
  const { section, lines } = await runners[only!]();
  console.log("\n" + lines.join("\n"));
  for (const p of section.problems) console.log(`INVALID: ${p}`);
  let existing: string | null = null;
  try {
    existing = await Deno.readTextFile(out);
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(dirname(out), { recursive: true });
  await Deno.writeTextFile(out, mergeSection(existing, only!, section));
  console.log(`\n${only} rows written to ${out} (key "${only}"; the rest of the file kept)`);
  return section.problems.length === 0 ? 0 : 1;
}

try {
  Deno.exitCode = await main(Deno.args);
} catch (e) {
  // A bench that cannot run explains why in one line; nobody needs our stack.
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  Deno.exitCode = 1;
}
