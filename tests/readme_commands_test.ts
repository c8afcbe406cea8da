/**
 * Every command a user copies from README.md and plugins/example/README.md runs here as written,
 * in a shell, from a copy of the repository (so the files the commands write, like out.csv or
 * report.html, never touch the checkout). Only what would collide on a shared machine changes:
 * ports become free ones this test picked, hosts that stand for a real server
 * (`triton-host`, `infer.example`) become 127.0.0.1 where a reference server listens on the
 * swapped port, and `/tmp/` becomes a private temporary directory.
 *
 * Commands are the lines of ```sh blocks (a trailing `\` continues a line) and inline
 * `npx -y deno@…` spans. Bare `deno task NAME` spans in prose and in the Development table name
 * tasks; they are not lines to copy. A command this test does not know how to run fails the
 * first test below, so a README cannot gain a command that nothing runs.
 *
 * Commands measure against a busy machine as they would for a user: the test checks that they
 * work (exit 0 and their report or files), and takes perf_analyzer's "Failed to obtain stable
 * measurement" (exit 2, a verdict on the machine, not on the command) as a pass with a note.
 */
import assert from "node:assert/strict";
import { isDeepStrictEqual } from "node:util";
import { main } from "../main.ts";
import { type ReferenceServer, startServer } from "../server/mod.ts";
import { haveOpenssl, makeTestCerts, type TestCerts } from "./tls_certs.ts";
import { countColor, readPng } from "./png_read.ts";
import { CHROMIUM } from "../scripts/screenshot.ts";
import { existsSync } from "node:fs";
// server/cli.ts and server/openai/cli.ts import each other; entered through server/cli.ts, as
// the server's main does, both are initialized before either is used.
import "../server/cli.ts";
import { OPENAI_SWITCHES, OPENAI_WITH_VALUE } from "../server/openai/cli.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const DOCS = ["README.md", "plugins/example/README.md"];
const DENO = "npx -y deno@2.9.6";
const UNSTABLE = /^Failed to obtain stable measurement/m;

/** One command line as a user copies it. */
export interface DocCommand {
  doc: string;
  line: number;
  /** As written, continuation lines joined. */
  text: string;
  /** The ```sh block (or inline span) it is in. */
  block: string;
}

/** The commands of one Markdown document: ```sh lines and inline `npx -y deno@…` spans. */
export function extractCommands(doc: string, markdown: string): DocCommand[] {
  const out: DocCommand[] = [];
  const lines = markdown.split("\n");
  let fence: string | undefined;
  let fenceLine = 0;
  let pending: { line: number; text: string } | undefined;
  for (const [i, raw] of lines.entries()) {
    const open = raw.match(/^```(\S*)\s*$/);
    if (fence === undefined && open) {
      fence = open[1];
      fenceLine = i + 1;
      continue;
    }
    if (fence !== undefined && /^```\s*$/.test(raw)) {
      fence = undefined;
      continue;
    }
    if (fence === undefined) {
      for (const m of raw.matchAll(/`([^`]+)`/g)) {
        if (m[1].startsWith(`${DENO} `)) {
          out.push({ doc, line: i + 1, text: m[1], block: `${doc}:${i + 1}` });
        }
      }
      continue;
    }
    if (fence !== "sh") {
      assert.ok(
        !raw.includes(DENO),
        `${doc}:${i + 1}: a command in a \`\`\`${fence} block; mark command blocks \`\`\`sh`,
      );
      continue;
    }
    const text = pending === undefined ? raw.trim() : `${pending.text} ${raw.trim()}`;
    const start = pending?.line ?? i + 1;
    if (text.endsWith("\\")) {
      pending = { line: start, text: text.slice(0, -1).trimEnd() };
      continue;
    }
    pending = undefined;
    if (text === "" || text.startsWith("#")) continue;
    out.push({ doc, line: start, text, block: `${doc}:${fenceLine}` });
  }
  return out;
}

/** The command without its trailing shell comment, split on blanks (no command quotes). */
function words(text: string): string[] {
  return text.replace(/\s+#.*$/, "").trim().split(/\s+/);
}

function flagValue(w: string[], flag: string): string | undefined {
  const i = w.indexOf(flag);
  return i >= 0 ? w[i + 1] : undefined;
}

// ---------------------------------------------------------------------------------------------
// The servers commands run against

/** What an endpoint written in a README stands for. */
type Listener = "http" | "grpc" | "tfserving" | "https" | "grpc-mtls";

/**
 * Every `-u` endpoint the READMEs use, with the listener it stands for. A new endpoint fails
 * the plan: add it here with the listener a user would mean.
 */
const ENDPOINTS: Record<string, Listener> = {
  "triton-host:8000": "http",
  "triton-host:8001": "grpc",
  "127.0.0.1:8000": "http",
  // The conformance suite's -u takes a URL with its scheme.
  "http://127.0.0.1:8000": "http",
  "localhost:8500": "tfserving",
  "https://infer.example:8443": "https",
  "infer.example:8001": "grpc-mtls",
  // An OpenAI-compatible server (vLLM): the plain server's OpenAI mock serves README_LLM.
  "vllm-host:8000": "http",
};

/** The model the README's LLM commands name; the plain server's OpenAI mock serves it. */
const README_LLM = "Qwen/Qwen2.5-0.5B-Instruct";

/** The files TLS commands name, written into the workspace from the test's certificates. */
const TLS_FILES: Record<string, keyof TestCerts> = {
  "ca.pem": "ca",
  "client.pem": "clientCert",
  "client.key": "clientKey",
};

interface Fixture {
  workspace: string;
  tmp: string;
  plain: ReferenceServer;
  tls: ReferenceServer | undefined;
  mtls: ReferenceServer | undefined;
  /** Run summaries written by earlier commands (`--report-json`), for `compare`. */
  summaries: string[];
}

function portOf(url: string): number {
  return Number(url.slice(url.lastIndexOf(":") + 1));
}

/** 127.0.0.1 and the port of the fixture listener an endpoint stands for. */
function swapEndpoint(endpoint: string, f: Fixture): string {
  const listener = ENDPOINTS[endpoint];
  const scheme = /^[a-z]+:\/\//.exec(endpoint)?.[0] ?? "";
  const port = {
    http: () => f.plain.httpPort,
    grpc: () => f.plain.grpcPort!,
    tfserving: () => f.plain.tfservingPort!,
    // With TLS the listeners a client dials are the TLS fronts that url and grpcUrl name.
    https: () => portOf(f.tls!.url),
    "grpc-mtls": () => portOf(f.mtls!.grpcUrl!),
  }[listener]();
  const host = endpoint.slice(scheme.length).split(":")[0];
  // localhost and 127.0.0.1 are loopback as written; other names stand for a real server.
  const loopback = host === "localhost" || host === "127.0.0.1" ? host : "127.0.0.1";
  return `${scheme}${loopback}:${port}`;
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** Copies the working tree (no .git, no build output) so commands write only into the copy. */
async function copyTree(from: string, to: string): Promise<void> {
  for await (const e of Deno.readDir(from)) {
    if ([".git", "dist", "node_modules"].includes(e.name)) continue;
    const src = `${from}/${e.name}`;
    const dst = `${to}/${e.name}`;
    if (e.isDirectory) {
      await Deno.mkdir(dst);
      await copyTree(src, dst);
    } else if (e.isFile) await Deno.copyFile(src, dst);
  }
}

// ---------------------------------------------------------------------------------------------
// Running a command

interface ShellRun {
  code: number;
  stdout: string;
  stderr: string;
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * Runs one line under `sh` in its own process group, so a timeout or the end of the run stops
 * everything it started (npx, deno task, deno run, background jobs).
 */
function spawnShell(text: string, cwd: string): Deno.ChildProcess {
  return new Deno.Command("setsid", {
    args: ["sh", "-c", text],
    cwd,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    // The C API test double's simulated compute (it sleeps): without it an --async run is a
    // busy loop on both cores that no window can agree on.
    env: { NO_COLOR: "1", FAKE_TRITON_COMPUTE_US: "2000" },
  }).spawn();
}

function killGroup(child: Deno.ChildProcess, signal: Deno.Signal): void {
  try {
    Deno.kill(-child.pid, signal);
  } catch {
    // The group is gone already.
  }
}

async function shell(text: string, cwd: string, timeoutMs: number): Promise<ShellRun> {
  const child = spawnShell(text, cwd);
  const timer = setTimeout(() => killGroup(child, "SIGKILL"), timeoutMs);
  try {
    const out = await child.output();
    const dec = new TextDecoder();
    const run = { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
    if (out.signal === "SIGKILL") {
      throw new Error(`timed out after ${timeoutMs / 1000} s:\n${tail(run.stdout + run.stderr)}`);
    }
    return run;
  } finally {
    clearTimeout(timer);
    killGroup(child, "SIGKILL");
  }
}

/** Exit 0 with perf_analyzer's summary, or its unstable verdict (a note, see the file comment). */
function assertMeasured(run: ShellRun, notes: string[]): void {
  const all = `${run.stdout}\n${run.stderr}`;
  if (run.code === 2 && UNSTABLE.test(run.stderr)) {
    assert.match(run.stdout, /^\*\*\* Measurement Settings \*\*\*$/m, tail(all));
    const verdict = all.match(/^Failed to obtain stable measurement.*$/m)![0];
    notes.push(`measured, but the machine was too busy to stabilize: ${verdict}`);
    return;
  }
  assert.equal(run.code, 0, tail(all));
  assert.match(run.stdout, /^Inferences\/Second vs\. Client .*Latency$/m, tail(all));
}

// ---------------------------------------------------------------------------------------------
// What each kind of command is, and how it is checked

interface Plan {
  /**
   * Writes the files the command names, and gives the line to run: the line as written, with
   * ports, hosts and /tmp/ swapped.
   */
  prepare(f: Fixture, text: string): Promise<string>;
  check(run: ShellRun, f: Fixture, words: string[], notes: string[]): Promise<void>;
  /** Why this command is not run here, or "" when it is. */
  skip: string;
  timeoutMs: number;
  /** Starts and probes instead of running to the end (`deno task serve`). */
  server?: boolean;
  /** An earlier line of its block whose output it needs: it runs right after that one. */
  after?: DocCommand;
  /** Needs files another block writes (compare reads run summaries): runs after the others. */
  last?: boolean;
}

const haveCc = (() => {
  try {
    return new Deno.Command("gcc", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
const NO_CC = haveCc ? "" : "needs gcc to build the C API test double";
const NO_OPENSSL = haveOpenssl() ? "" : "needs openssl to make test certificates";

/** `text` with `from` replaced; a swap that finds nothing would run against the real port. */
function replaceOnce(text: string, from: string, to: string): string {
  assert.ok(text.includes(from), `"${from}" not found in: ${text}`);
  return text.replace(from, to);
}

/** Swaps /tmp/ for the fixture's private directory and every known endpoint after -u. */
function swapped(text: string, f: Fixture): string {
  const out = text.replaceAll("/tmp/", `${f.tmp}/`);
  const u = flagValue(words(text), "-u");
  return u === undefined ? out : replaceOnce(out, `-u ${u}`, `-u ${swapEndpoint(u, f)}`);
}

function checkEndpoint(w: string[]): string | undefined {
  const u = flagValue(w, "-u");
  if (u === undefined) return "no -u: give the server explicitly, so the port can be swapped";
  if (!(u in ENDPOINTS)) return `-u ${u} is not an endpoint this test knows (ENDPOINTS)`;
  return undefined;
}

/** `task pa ...` or `run ... main.ts ...`: a perf_analyzer run against a fixture server. */
function paPlan(w: string[], block: DocCommand[]): Plan | string {
  if (w[5] === "profile") return profilePlan(w);
  if (w.includes("--help")) return helpPlan();
  if (w[5] === "merge") return mergePlan(block);
  const capi = flagValue(w, "--service-kind") === "triton_c_api";
  if (!capi) {
    const bad = checkEndpoint(w);
    if (bad) return bad;
  }
  const tlsFiles = w.filter((x) => x in TLS_FILES);
  const build = block.find((c) => words(c.text)[0] === BUILD_SCRIPT);
  if (capi && !build) return "a C API run needs the build line of its block before it";
  return {
    after: capi ? build : undefined,
    skip: capi ? NO_CC : tlsFiles.length > 0 ? NO_OPENSSL : "",
    timeoutMs: 150_000,
    prepare: async (f, text) => {
      for (const name of tlsFiles) {
        await Deno.copyFile(certs()[TLS_FILES[name]] as string, `${f.workspace}/${name}`);
      }
      return swapped(text, f);
    },
    check: async (run, f, w, notes) => {
      if (w.includes("--periodic-concurrency-range")) return await checkPeriodic(run, f, w);
      assertMeasured(run, notes);
      const kind = flagValue(w, "--service-kind") ?? "triton";
      if (w.includes("--request-parameter") && kind === "triton") checkTritonParameters(f, w);
      if (w.includes("--trace-level")) checkTraceRestored(f, w);
      if (w.includes("--request-parameter") && flagValue(w, "--service-kind") === "openai") {
        checkMaxTokens(f, w);
      }
      const csv = flagValue(w, "-f");
      if (csv !== undefined && run.code === 0) {
        const text = await Deno.readTextFile(`${f.workspace}/${csv}`);
        assert.match(text, /^Concurrency,Inferences\/Second,/);
      }
      if (flagValue(w, "-m") === "simple_ensemble" || w.includes("--bls-composing-models")) {
        checkComposing(run, f, csv);
      }
      const sessions = flagValue(w, "--session-concurrency");
      if (sessions !== undefined) await checkSessions(run, f, w, Number(sessions));
    },
  };
}

/** The README's distributed recipe starts its workers in one shell line from one start time. */
const DIST_WORKERS = /^T=\$\(\( \$\(date \+%s%3N\) \+ \d+ \)\); for i in/;

/** The workers line: every worker wrote its artifact, all of one run. */
function distWorkersPlan(w: string[]): Plan | string {
  const bad = checkEndpoint(w);
  if (bad) return bad;
  const count = Number(flagValue(w, "--worker-count"));
  return {
    skip: "",
    timeoutMs: 120_000,
    prepare: (f, text) => Promise.resolve(swapped(text, f)),
    check: async (run, f) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      const dir = swapped(flagValue(w, "--dist-out")!, f);
      const runIds = new Set<string>();
      for (let i = 0; i < count; i++) {
        const path = `${dir}/worker-${i}.json`;
        const artifact = JSON.parse(await Deno.readTextFile(path));
        assert.equal(artifact.format, "pa-deno-dist/1", path);
        runIds.add(artifact.runId);
      }
      assert.equal(runIds.size, 1, tail(run.stderr));
    },
  };
}

/** `task pa merge DIR ...` after the workers line of its block: one run's report and files. */
function mergePlan(block: DocCommand[]): Plan | string {
  const workers = block.find((c) => DIST_WORKERS.test(c.text));
  if (workers === undefined) return "merge needs the workers line before it in its block";
  return {
    after: workers,
    skip: "",
    timeoutMs: 60_000,
    prepare: (f, text) => Promise.resolve(swapped(text, f)),
    check: async (run, f, w, notes) => {
      assertMeasured(run, notes);
      assert.match(run.stdout, /^Merged \d+ worker artifacts of run /m);
      const csv = flagValue(w, "-f");
      if (csv !== undefined && run.code === 0) {
        const text = await Deno.readTextFile(`${f.workspace}/${csv}`);
        assert.match(text, /^Request Rate,Inferences\/Second,/);
      }
      const html = flagValue(w, "--report-html");
      if (html !== undefined) {
        assert.match(await Deno.readTextFile(`${f.workspace}/${html}`), /<svg/);
      }
    },
  };
}

/**
 * `task pa profile ...`: GenAI-Perf's table on stdout, its two files in the artifact directory,
 * and the lengths asked reached the mock (input tokens counted by the mock, output as max_tokens).
 */
function profilePlan(w: string[]): Plan | string {
  const bad = checkEndpoint(w);
  if (bad) return bad;
  return {
    skip: "",
    timeoutMs: 150_000,
    prepare: (f, text) => Promise.resolve(swapped(text, f)),
    check: async (run, f, w, notes) => {
      const all = `${run.stdout}\n${run.stderr}`;
      // No load met the targets: a verdict on a machine too busy, as an unstable level is.
      if (w.includes("--search") && run.code === 4 && /^No load in the range/m.test(run.stdout)) {
        notes.push("searched, but the machine was too busy for any load to meet the targets");
        return;
      }
      assert.equal(run.code, 0, tail(all));
      assert.match(run.stdout, /NVIDIA GenAI-Perf \| LLM Metrics/, tail(all));
      const dir = run.stderr.match(/^Reports written to (.*)$/m)?.[1];
      assert.ok(dir, tail(all));
      for (const file of ["inputs.json", "profile_export_genai_perf.csv"]) {
        assert.ok(Deno.statSync(`${dir}/${file}`).isFile, file);
      }
      const json = JSON.parse(await Deno.readTextFile(`${dir}/profile_export_genai_perf.json`));
      if (w.includes("--fixed-schedule")) {
        await checkTrace(f, w, dir, json);
        return;
      }
      const isl = Number(flagValue(w, "--synthetic-input-tokens-mean"));
      assert.equal(json.input_sequence_length.avg, isl);
      assert.ok(f.plain.openaiTruth().some((t) => t.promptTokens === isl));
      const osl = flagValue(w, "--output-tokens-mean");
      if (osl !== undefined) assert.equal(json.output_sequence_length.avg, Number(osl));
      if (w.includes("--search")) {
        assert.match(run.stdout, /every goodput target: Request rate [\d.]+ per sec/);
        assert.ok(Deno.statSync(`${dir}/sweep_genai_perf.csv`).isFile);
      }
    },
  };
}

/**
 * A trace replay (--fixed-schedule): every entry of the trace reached the mock once, with its
 * input length counted by the mock and its output length as max_tokens, in the trace's order and
 * spread over its timestamps divided by the speed-up. Other commands share the mock, so the
 * trace's requests are found by their prompts (inputs.json holds each entry's body as sent).
 * Timing bounds are loose: sends are never early, but a busy machine makes them late.
 */
async function checkTrace(
  f: Fixture,
  w: string[],
  dir: string,
  json: { input_sequence_length: { avg: number }; request_count: { avg: number } },
): Promise<void> {
  const trace = (await Deno.readTextFile(`${f.workspace}/${flagValue(w, "--input-file")}`))
    .split("\n").filter((l) => l.trim() !== "")
    .map((l) =>
      JSON.parse(l) as { timestamp: number; input_length: number; output_length: number }
    );
  const speedup = Number(flagValue(w, "--fixed-schedule-speedup") ?? "1");
  const inputs = JSON.parse(await Deno.readTextFile(`${dir}/inputs.json`)) as {
    data: { payload: [{ messages: { content: string }[] }] }[];
  };
  assert.equal(inputs.data.length, trace.length);
  assert.equal(json.request_count.avg, trace.length);
  const mean = trace.reduce((a, t) => a + t.input_length, 0) / trace.length;
  assert.equal(json.input_sequence_length.avg, mean);
  const truth = f.plain.openaiTruth();
  const arrivals = trace.map((t, i) => {
    const prompt = inputs.data[i].payload[0].messages.at(-1)!.content;
    const hits = truth.filter((r) => r.messages.at(-1)?.content === prompt);
    assert.equal(hits.length, 1, `trace entry ${i}: ${hits.length} requests reached the mock`);
    assert.equal(hits[0].promptTokens, t.input_length, `trace entry ${i}`);
    assert.equal(hits[0].completionTokens, t.output_length, `trace entry ${i}`);
    return hits[0].arrivalNs;
  });
  const order = trace.map((_, i) => i).sort((a, b) => trace[a].timestamp - trace[b].timestamp);
  const first = arrivals[order[0]];
  const slackMs = 250;
  for (const [k, i] of order.entries()) {
    if (k > 0) assert.ok(arrivals[i] > arrivals[order[k - 1]], `trace entry ${i} out of order`);
    const intendedMs = (trace[i].timestamp - trace[order[0]].timestamp) / speedup;
    const actualMs = (arrivals[i] - first) / 1e6;
    assert.ok(actualMs >= intendedMs - slackMs, `entry ${i}: ${actualMs} ms, due ${intendedMs}`);
  }
  // Late sends stretch the span; one as long as the trace's without the speed-up is too long.
  const span = (arrivals[order.at(-1)!] - first) / 1e6;
  const intended = (trace[order.at(-1)!].timestamp - trace[order[0]].timestamp) / speedup;
  const limit = speedup > 1 ? intended * (1 + (speedup - 1) * 0.8) : intended + 2000;
  assert.ok(span <= limit, `span ${span} ms, intended ${intended}`);
}

/** A --session-concurrency run played every turn of every session of its input data, once. */
async function checkSessions(run: ShellRun, f: Fixture, w: string[], n: number): Promise<void> {
  const path = `${f.workspace}/${flagValue(w, "--input-data")}`;
  const entries = (JSON.parse(await Deno.readTextFile(path)) as {
    data: { session_id: string[] }[];
  }).data;
  const sessions = new Set(entries.map((e) => e.session_id[0])).size;
  assert.match(
    run.stderr,
    new RegExp(
      `^Playing ${sessions} sessions \\(${entries.length} turns\\).*, ${n} at a time`,
      "m",
    ),
  );
  assert.match(run.stdout, new RegExp(`^Request concurrency: ${n}$`, "m"));
  assert.match(run.stdout, new RegExp(`^ {4}Request count: ${entries.length}$`, "m"));
}

/**
 * A periodic-concurrency run: its summary, and an export holding every request (end of the range)
 * with at least the request period's responses each.
 */
async function checkPeriodic(run: ShellRun, f: Fixture, w: string[]): Promise<void> {
  assert.equal(run.code, 0, tail(run.stdout + run.stderr));
  const [, end] = flagValue(w, "--periodic-concurrency-range")!.split(":").map(Number);
  const period = Number(flagValue(w, "--request-period") ?? "10");
  assert.match(run.stdout, new RegExp(`^Periodic concurrency .*: ${end} requests started`, "m"));
  const path = swapped(flagValue(w, "--profile-export-file")!, f);
  const doc = JSON.parse(await Deno.readTextFile(path)) as {
    experiments: { experiment: unknown; requests: { response_timestamps: number[] }[] }[];
  };
  assert.deepEqual(doc.experiments[0].experiment, { mode: "concurrency", value: 1 });
  const requests = doc.experiments[0].requests;
  assert.equal(requests.length, end);
  for (const r of requests) assert.ok(r.response_timestamps.length >= period);
}

/** An ensemble or BLS run reports both composing models, and writes one CSV for each with -f. */
function checkComposing(run: ShellRun, f: Fixture, csv: string | undefined): void {
  assert.match(run.stdout, /^ {2}Composing models: \n {2}identity_int32, version: 1$/m);
  assert.match(run.stdout, /^ {2}simple, version: 1$/m);
  if (csv === undefined || run.code !== 0) return;
  for (const name of ["identity_int32", "simple"]) {
    const text = Deno.readTextFileSync(`${f.workspace}/${name}_v1.${csv}`);
    assert.match(text, /^Concurrency,Inferences\/Second,Client Send,Network\+Server/);
  }
}

/** Keys the reference server parses itself, so its log of custom parameters leaves them out. */
const SERVER_PARAMETERS = ["priority", "timeout"];
/** How the server records each type: the gRPC InferParameter field, or the HTTP JSON type. */
const PARAMETER_FIELDS: Record<string, Record<string, string>> = {
  grpc: { bool: "bool_param", int: "int64_param", string: "string_param" },
  http: { bool: "boolean", int: "number", string: "string" },
};

/** The run set the model's trace level, then put the server's settings back. */
function checkTraceRestored(f: Fixture, w: string[]): void {
  const model = flagValue(w, "-m")!;
  const level = flagValue(w, "--trace-level")!;
  const updates = f.plain.traceUpdates().filter((u) => u.model === model);
  assert.ok(updates.some((u) => u.settings.trace_level?.[0] === level), Deno.inspect(updates));
  assert.deepEqual(f.plain.traceSettings(model), f.plain.traceSettings());
}

/** Every custom --request-parameter reached the model on each of the run's requests. */
function checkTritonParameters(f: Fixture, w: string[]): void {
  const fields = PARAMETER_FIELDS[flagValue(w, "-i") ?? "http"];
  const expected: Record<string, { type: string; value: unknown }> = {};
  w.forEach((x, i) => {
    if (x !== "--request-parameter") return;
    const [name, value, type] = w[i + 1].split(":");
    if (SERVER_PARAMETERS.includes(name)) return;
    const typed = type === "int" ? Number(value) : type === "bool" ? value === "true" : value;
    expected[name] = { type: fields[type], value: typed };
  });
  const count = Number(flagValue(w, "--request-count"));
  const sets = f.plain.requestParameters(flagValue(w, "-m")!);
  assert.ok(
    sets.some((s) => s.requests >= count && isDeepStrictEqual(s.parameters, expected)),
    `no ${count} requests with ${Deno.inspect(expected)} in ${Deno.inspect(sets)}`,
  );
}

/** A max_tokens request parameter reached the OpenAI mock: that many tokens per reply. */
function checkMaxTokens(f: Fixture, w: string[]): void {
  const given = w.find((x, i) => w[i - 1] === "--request-parameter" && x.startsWith("max_tokens:"));
  assert.ok(given, "an openai --request-parameter example sets max_tokens");
  const tokens = Number(given.split(":")[1]);
  const count = Number(flagValue(w, "--request-count"));
  const replies = f.plain.openaiTruth().filter((t) => t.completionTokens === tokens);
  assert.ok(replies.length >= count, `${replies.length} replies of ${tokens} tokens`);
}

/** `task pa ... --help`: prints the help, with a plugin's own section when it names one. */
function helpPlan(): Plan {
  return {
    skip: "",
    timeoutMs: 60_000,
    prepare: (_f, text) => Promise.resolve(text),
    check: (run, _f, w) => {
      assert.equal(run.code, 0, run.stderr);
      assert.match(run.stdout, /--concurrency-range/);
      const kind = flagValue(w, "--service-kind");
      if (kind?.startsWith("plugin:")) {
        assert.ok(run.stdout.includes(`Options of --service-kind ${kind}`), run.stdout);
      }
      return Promise.resolve();
    },
  };
}

function demoPlan(): Plan {
  return {
    skip: "",
    timeoutMs: 200_000,
    prepare: (_f, text) => Promise.resolve(text),
    check: async (run, f, w) => {
      const all = `${run.stdout}\n${run.stderr}`;
      // The demo must complete all four levels, on a busy machine too.
      assert.equal(run.code, 0, tail(all));
      for (const c of [1, 2, 3, 4]) {
        assert.match(run.stdout, new RegExp(`^Concurrency: ${c}, throughput`, "m"), tail(all));
      }
      assert.match(run.stdout, /^CSV written to .*demo_results\.csv$/m);
      const html = flagValue(w, "--report-html");
      if (html !== undefined) {
        assert.match(await Deno.readTextFile(`${f.workspace}/${html}`), /<svg/);
      }
      const json = flagValue(w, "--report-json");
      if (json !== undefined) {
        const path = `${f.workspace}/${json}`;
        assert.equal(JSON.parse(await Deno.readTextFile(path)).format, SUMMARY_FORMAT);
        f.summaries.push(path);
      }
    },
  };
}

const SUMMARY_FORMAT = "perf-analyzer-ts/run-summary";

/** `task compare A B ...`: its inputs are copies of a summary an earlier command wrote. */
function comparePlan(w: string[]): Plan {
  const inputs = w.slice(5).filter((x) => x.endsWith(".json"));
  return {
    skip: "",
    timeoutMs: 60_000,
    last: true,
    prepare: async (f, text) => {
      assert.ok(f.summaries.length > 0, "compare needs a README command with --report-json");
      for (const name of inputs) await Deno.copyFile(f.summaries[0], `${f.workspace}/${name}`);
      return text;
    },
    check: (run) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      assert.doesNotMatch(run.stdout, /REGRESSION/);
      assert.match(run.stdout, /concurrency 1/i);
      return Promise.resolve();
    },
  };
}

/**
 * `task conformance KIND` runs the suite (with `-u`, against the plain reference server's
 * port); `task conformance --help` explains it.
 */
function conformancePlan(w: string[]): Plan | string {
  const help = w.includes("--help");
  const bad = w.includes("-u") ? checkEndpoint(w) : undefined;
  if (bad) return bad;
  return {
    skip: "",
    timeoutMs: 90_000,
    prepare: (f, text) => Promise.resolve(swapped(text, f)),
    check: (run) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      if (help) assert.match(run.stdout, /^Usage: deno task conformance <service-kind>/m);
      else assert.match(run.stdout, /^\d+ passed, 0 failed, \d+ skipped$/m);
      return Promise.resolve();
    },
  };
}

const SCREENSHOT_SCRIPT = "scripts/screenshot.ts";
const NO_CHROMIUM = existsSync(CHROMIUM) ? "" : `needs ${CHROMIUM} to take the screenshot`;

/** `run -A scripts/screenshot.ts OUT.png`: the report's picture, written in the copy. */
function screenshotPlan(w: string[]): Plan {
  const out = w[w.indexOf(SCREENSHOT_SCRIPT) + 1];
  return {
    skip: NO_CHROMIUM,
    timeoutMs: 120_000,
    prepare: (_f, text) => Promise.resolve(text),
    check: async (run, f) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      const img = readPng(await Deno.readFile(`${f.workspace}/${out}`));
      assert.equal(img.width, 1200);
      assert.ok(countColor(img, "#dddddd") > 5000, "the charts' borders are drawn");
    },
  };
}

const BUILD_SCRIPT = "scripts/build_fake_tritonserver.sh";

/** `scripts/build_fake_tritonserver.sh OUT [&& mkdir -p MODELS]`. */
function buildPlan(w: string[]): Plan {
  return {
    skip: NO_CC,
    timeoutMs: 90_000,
    prepare: (f, text) => Promise.resolve(swapped(text, f)),
    check: async (run, f) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      const out = swapped(w[1], f);
      await Deno.stat(`${out}/lib/libtritonserver.so`);
      await Deno.stat(`${out}/lib/libpa_completion_queue.so`);
      if (w.length === 6) assert.ok((await Deno.stat(swapped(w[5], f))).isDirectory);
    },
  };
}

/** The listener flags of `deno task serve` (see its --help), and how each one is probed. */
const SERVE_PORTS = ["--http-port", "--grpc-port", "--tfserving-port", "--metrics-port"];
/** Flags that change what the server computes, not where it listens: nothing to probe. */
const SERVE_VALUES = ["--compute-us", "--instances", "--stall", ...OPENAI_WITH_VALUE];
const SERVE_SWITCHES = ["--no-config", "--no-stats", ...OPENAI_SWITCHES];

function servePlan(w: string[]): Plan | string {
  const args = w.slice(5);
  for (let i = 0; i < args.length; i++) {
    if (SERVE_SWITCHES.includes(args[i])) continue;
    if (SERVE_PORTS.includes(args[i]) || SERVE_VALUES.includes(args[i])) {
      i++;
      continue;
    }
    return `serve flag ${args[i]}: the test does not know how to run or probe it`;
  }
  if (!args.includes("--http-port")) return "serve without --http-port: give the port";
  const ports = new Map<string, number>();
  return {
    skip: "",
    timeoutMs: 90_000,
    server: true,
    prepare: (_f, text) => {
      for (const flag of SERVE_PORTS) {
        const value = flagValue(w, flag);
        if (value === undefined) continue;
        const port = freePort();
        ports.set(flag, port);
        text = replaceOnce(text, `${flag} ${value}`, `${flag} ${port}`);
      }
      return Promise.resolve(text);
    },
    check: async () => {
      const http = ports.get("--http-port")!;
      const ready = await fetch(`http://127.0.0.1:${http}/v2/health/ready`);
      await ready.body?.cancel();
      assert.equal(ready.status, 200);
      if (args.some((a) => a.startsWith("--openai-"))) {
        const models = await fetch(`http://127.0.0.1:${http}/v1/models`);
        assert.equal(models.status, 200);
        const model = flagValue(w, "--openai-model") ?? "mock-llm";
        assert.ok(JSON.stringify(await models.json()).includes(JSON.stringify(model)));
      }
      // The gRPC listeners are probed with real inference calls through the CLI.
      const grpc = ports.get("--grpc-port");
      if (grpc !== undefined) await probeCli(["-i", "grpc", "-u", `127.0.0.1:${grpc}`]);
      const tf = ports.get("--tfserving-port");
      if (tf !== undefined) {
        await probeCli(["--service-kind", "tfserving", "-i", "grpc", "-u", `127.0.0.1:${tf}`]);
      }
      const metrics = ports.get("--metrics-port");
      if (metrics !== undefined) {
        const r = await fetch(`http://127.0.0.1:${metrics}/metrics`);
        assert.equal(r.status, 200);
        assert.match(await r.text(), /^nv_gpu_utilization/m);
      }
    },
  };
}

async function probeCli(args: string[]): Promise<void> {
  let text = "";
  const io = { stdout: (t: string) => void (text += t), stderr: (t: string) => void (text += t) };
  const code = await main(["-m", "simple", ...args, "--request-count", "5"], io);
  assert.equal(code, 0, text);
  assert.match(text, /^ {4}Request count: 5$/m);
}

/** `task package`: writes dist/perf_analyzer, which then answers --version on its own. */
function packagePlan(): Plan {
  return {
    skip: "",
    timeoutMs: 120_000,
    prepare: (_f, text) => Promise.resolve(text),
    check: async (run, f) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      await assertRunsAlone(`${f.workspace}/dist/perf_analyzer`, f);
    },
  };
}

const INSTALL_LINE = "install -D dist/perf_analyzer ~/.local/bin/perf_analyzer";

/** The install line, into a private home instead of the user's; it needs the package line. */
function installPlan(block: DocCommand[]): Plan | string {
  const pkg = block.find((c) => c.text === `${DENO} task package`);
  if (pkg === undefined) return "the install line needs `task package` before it in its block";
  return {
    after: pkg,
    skip: "",
    timeoutMs: 30_000,
    prepare: (f, text) => Promise.resolve(text.replace("~/", `${f.tmp}/home/`)),
    check: async (run, f) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      await assertRunsAlone(`${f.tmp}/home/.local/bin/perf_analyzer`, f);
    },
  };
}

/** The packaged file prints its version with no Deno on PATH (scripts/package_test.ts has more). */
async function assertRunsAlone(exe: string, f: Fixture): Promise<void> {
  const out = await new Deno.Command(exe, {
    args: ["--version"],
    clearEnv: true,
    env: { PATH: "/usr/bin:/bin", HOME: `${f.tmp}/home` },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, stderr);
  assert.match(stderr, /^Perf Analyzer Version \S+ \(commit \S+\)\n$/);
}

const haveMpirun = (() => {
  try {
    return new Deno.Command("mpirun", { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
})();
const NO_MPIRUN = haveMpirun ? "" : "needs mpirun (apt-get install openmpi-bin libopenmpi-dev)";
/** Open MPI refuses root unless told twice; the tests run as root. */
const MPI_AS_ROOT = "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1";

/**
 * `mpirun ...`: with --enable-mpi (app contexts split by " : "), each rank's report in the
 * --tag-output lines; with --dist-out, rank 0's merged report of every rank's artifact. Every
 * context's -u is swapped, and /tmp/; an unstable verdict is a note, as for one process.
 */
function mpirunPlan(w: string[]): Plan | string {
  const contexts = w.join(" ").split(" : ");
  for (const ctx of contexts) {
    const bad = checkEndpoint(ctx.split(" "));
    if (bad) return bad;
  }
  if (!w.includes("--tag-output")) return "mpirun without --tag-output: ranks cannot be told apart";
  const distributed = w.includes("--dist-out");
  return {
    skip: NO_MPIRUN,
    timeoutMs: 150_000,
    prepare: (f, text) => {
      const u = flagValue(w, "-u")!;
      const line = text.replaceAll(`-u ${u}`, `-u ${swapEndpoint(u, f)}`);
      return Promise.resolve(`${MPI_AS_ROOT} ${line.replaceAll("/tmp/", `${f.tmp}/`)}`);
    },
    check: (run, _f, _w, notes) => {
      const all = `${run.stdout}\n${run.stderr}`;
      if (run.code === 2 && /Failed to obtain stable measurement/.test(all)) {
        notes.push("measured, but the machine was too busy to stabilize every rank");
        return Promise.resolve();
      }
      assert.equal(run.code, 0, tail(all));
      const summary = (rank: number) =>
        new RegExp(`^\\[1,${rank}\\]<stdout>:Inferences/Second vs\\. Client`, "m");
      if (distributed) {
        const n = flagValue(w, "-n");
        assert.match(
          run.stdout,
          new RegExp(`^\\[1,0\\]<stdout>:Merged ${n} worker artifacts`, "m"),
        );
        assert.match(run.stdout, summary(0), tail(all));
      } else contexts.forEach((_, rank) => assert.match(run.stdout, summary(rank), tail(all)));
      return Promise.resolve();
    },
  };
}

const MATRIX_SCRIPT = "scripts/fault_matrix.ts";

/** The fault matrix: every case clean, and the counts line says so. */
function matrixPlan(): Plan {
  return {
    skip: "",
    timeoutMs: 300_000,
    prepare: (_f, text) => Promise.resolve(text),
    check: (run) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      assert.match(
        run.stdout,
        /^(\d+) cases: \1 clean, 0 hang, 0 crash, 0 wrong, 0 unbounded memory$/m,
        tail(run.stdout + run.stderr),
      );
      return Promise.resolve();
    },
  };
}

const NO_CLUSTER = "needs a Kubernetes cluster (none here): tests/k8s_pods_test.ts runs the " +
  "Job's pods as local processes, collects their logs and merges them";

/** `task pa dist k8s ... -o FILE`: the manifest it writes passes the Kubernetes schema. */
function distPlan(w: string[]): Plan | string {
  if (w[6] !== "k8s") return `dist ${w[6]}: the test does not know how to run it`;
  const out = flagValue(w, "-o");
  if (out === undefined) return "dist k8s without -o FILE: name the manifest file";
  const workers = Number(flagValue(w, "--workers"));
  return {
    skip: "",
    timeoutMs: 60_000,
    prepare: (f, text) => Promise.resolve(swapped(text, f)),
    check: async (run, f) => {
      assert.equal(run.code, 0, tail(run.stdout + run.stderr));
      const { parseAllDocuments } = await import("yaml");
      const { Job } = await import("kubernetes-models/batch/v1/Job");
      const { ConfigMap } = await import("kubernetes-models/v1/ConfigMap");
      const yaml = await Deno.readTextFile(`${f.workspace}/${out}`);
      const [cm, job] = parseAllDocuments(yaml).map((d) => d.toJS());
      new ConfigMap(cm).validate();
      new Job(job).validate();
      assert.equal(job.spec.completions, workers);
      assert.match(run.stderr, /kubectl logs -l job-name=\S+ --tail=-1 --prefix > logs.txt/);
    },
  };
}

/** Why the sbatch line cannot run here: "" when sinfo shows a node that takes jobs. */
const NO_SLURM = (() => {
  if (NO_MPIRUN) return NO_MPIRUN;
  try {
    const out = new Deno.Command("sinfo", { args: ["-h", "-o", "%t"], stderr: "null" })
      .outputSync();
    if (out.success && /^(idle|mix)/m.test(new TextDecoder().decode(out.stdout))) return "";
  } catch {
    // No sinfo: no Slurm.
  }
  return "needs a running Slurm cluster (.ci/slurm_up.sh brings up one node)";
})();

/**
 * `sbatch --wait ... --wrap "mpirun ..."`: a Slurm job whose mpirun ranks are the workers; rank 0's
 * merged report is in the --output file. -u and /tmp/ are swapped as for mpirun.
 */
function sbatchPlan(w: string[]): Plan | string {
  if (!w.includes("--wait")) return "sbatch without --wait: the test cannot tell when it ends";
  const out = w.find((x) => x.startsWith("--output="))?.slice("--output=".length);
  if (out === undefined) return "sbatch without --output=FILE: the report has nowhere to go";
  const wrapped = w.slice(w.indexOf("--wrap") + 1).join(" ").replace(/^"|"$/g, "").split(" ");
  const bad = checkEndpoint(wrapped);
  if (bad) return bad;
  const n = flagValue(w, "-n");
  return {
    skip: NO_SLURM,
    timeoutMs: 150_000,
    prepare: (f, text) => {
      const u = flagValue(wrapped, "-u")!;
      const line = text.replaceAll(`-u ${u}`, `-u ${swapEndpoint(u, f)}`);
      return Promise.resolve(`${MPI_AS_ROOT} ${line.replaceAll("/tmp/", `${f.tmp}/`)}`);
    },
    check: async (run, f, _w, notes) => {
      const report = await Deno.readTextFile(out.replace("/tmp/", `${f.tmp}/`));
      if (run.code === 2 && /Failed to obtain stable measurement/.test(report)) {
        notes.push("measured, but the machine was too busy to stabilize every level");
        return;
      }
      assert.equal(run.code, 0, tail(run.stdout + run.stderr + report));
      assert.match(report, new RegExp(`^\\[1,0\\]<stdout>:Merged ${n} worker artifacts`, "m"));
    },
  };
}

/** kubectl talks to a cluster, which no machine here has. */
function kubectlPlan(): Plan {
  return {
    skip: NO_CLUSTER,
    timeoutMs: 1,
    prepare: (_f, text) => Promise.resolve(text),
    check: () => Promise.resolve(),
  };
}

/** What kind of command this is; a string says why the test cannot run it. */
export function planFor(c: DocCommand, block: DocCommand[]): Plan | string | "recursion" {
  const w = words(c.text);
  const [a, b, deno, verb, task] = w;
  if (a === BUILD_SCRIPT) {
    const mkdir = w.length === 6 && `${w[2]} ${w[3]} ${w[4]}` === "&& mkdir -p";
    return w.length === 2 || mkdir ? buildPlan(w) : "a build line this test does not know";
  }
  if (c.text === INSTALL_LINE) return installPlan(block);
  if (a === "mpirun") return mpirunPlan(w);
  if (a === "kubectl") return kubectlPlan();
  if (a === "sbatch") return sbatchPlan(w);
  if (DIST_WORKERS.test(c.text)) return distWorkersPlan(w);
  if (`${a} ${b} ${deno}` !== DENO) return `not a ${DENO} command the test knows`;
  if (verb === "task") {
    // `task test` is this suite: running it from inside would recurse.
    if (task === "test" && w.length === 5) return "recursion";
    if (task === "demo") return demoPlan();
    if (task === "pa" && w[5] === "dist") return distPlan(w);
    // `merge logs.txt` after `kubectl logs`: the logs come from a cluster.
    if (task === "pa" && w[5] === "merge" && block.some((o) => o.text.startsWith("kubectl "))) {
      return { ...kubectlPlan(), skip: `reads the pods' logs; ${NO_CLUSTER}` };
    }
    if (task === "pa") return paPlan(w, block);
    if (task === "serve") return servePlan(w);
    if (task === "compare") return comparePlan(w);
    if (task === "conformance") return conformancePlan(w);
    if (task === "package" && w.length === 5) return packagePlan();
    return `task ${task}: the test does not know how to run it`;
  }
  if (verb === "run" && w.includes("main.ts")) return paPlan(w, block);
  if (verb === "run" && w.includes(SCREENSHOT_SCRIPT)) return screenshotPlan(w);
  if (verb === "run" && w.includes(MATRIX_SCRIPT)) return matrixPlan();
  return "the test does not know how to run it";
}

function allCommands(): DocCommand[] {
  return DOCS.flatMap((doc) => extractCommands(doc, Deno.readTextFileSync(`${ROOT}${doc}`)));
}

function blockOf(c: DocCommand, all: DocCommand[]): DocCommand[] {
  return all.filter((o) => o.block === c.block);
}

Deno.test("README commands: every command is one this test knows how to run", () => {
  const all = allCommands();
  // The quick start, a real-server run, the reference server, TLS, TF Serving, the C API,
  // the HTML report, compare, and the plugin README's load and conformance lines.
  assert.ok(all.length >= 15, `only ${all.length} commands found`);
  const unknown = all.flatMap((c) => {
    const plan = planFor(c, blockOf(c, all));
    return typeof plan === "string" && plan !== "recursion"
      ? [`${c.doc}:${c.line}: ${c.text}\n  ${plan}`]
      : [];
  });
  assert.deepEqual(unknown, []);
  // CI runs the quick start's test command itself, so what passes in CI is what a user runs.
  const test = all.find((c) => planFor(c, blockOf(c, all)) === "recursion");
  assert.ok(test, "the quick start shows how to run the tests");
  const ci = Deno.readTextFileSync(`${ROOT}.ci/run`);
  assert.ok(
    ci.includes(`\n${words(test.text).join(" ")} `),
    ".ci/run runs the README's test command",
  );
});

Deno.test("extractCommands: sh lines with continuations and comments, inline npx spans", () => {
  const md = [
    "Run `npx -y deno@2.9.6 task demo -v` or `deno task check`.",
    "```sh",
    "# a comment line",
    "npx -y deno@2.9.6 task pa -m simple \\",
    "  -u triton-host:8000   # trailing",
    "",
    "```",
    "```",
    "Service time: 1 usec",
    "```",
  ].join("\n");
  assert.deepEqual(extractCommands("X.md", md).map((c) => [c.line, c.text]), [
    [1, "npx -y deno@2.9.6 task demo -v"],
    [4, "npx -y deno@2.9.6 task pa -m simple -u triton-host:8000   # trailing"],
  ]);
  assert.throws(() => extractCommands("X.md", "```text\nnpx -y deno@2.9.6 task pa\n```"));
});

let testCerts: TestCerts | undefined;
/** Made on first use (openssl), removed at the end. */
function certs(): TestCerts {
  testCerts ??= makeTestCerts();
  return testCerts;
}

/** Runs a server command until every listener answers its probe, then stops it. */
async function runServer(text: string, plan: Plan, f: Fixture, w: string[]): Promise<ShellRun> {
  const child = spawnShell(text, f.workspace);
  const exited = child.output();
  const deadline = Date.now() + plan.timeoutMs;
  let lastError: unknown;
  try {
    for (;;) {
      const done = await Promise.race([exited, new Promise((r) => setTimeout(r, 250))]);
      if (done !== undefined) {
        const out = done as Deno.CommandOutput;
        const dec = new TextDecoder();
        throw new Error(
          `exited with ${out.code} before it was ready:\n${
            tail(dec.decode(out.stdout) + dec.decode(out.stderr))
          }`,
        );
      }
      try {
        await plan.check({ code: 0, stdout: "", stderr: "" }, f, w, []);
        return { code: 0, stdout: "", stderr: "" };
      } catch (e) {
        lastError = e;
      }
      if (Date.now() > deadline) throw new Error(`not ready in time: ${lastError}`);
    }
  } finally {
    killGroup(child, "SIGTERM");
    const stop = setTimeout(() => killGroup(child, "SIGKILL"), 10_000);
    await exited;
    clearTimeout(stop);
  }
}

interface Outcome {
  command: DocCommand;
  error?: unknown;
  notes: string[];
  skipped?: string;
  ms: number;
}

async function runOne(c: DocCommand, plan: Plan, f: Fixture): Promise<Outcome> {
  const started = Date.now();
  const notes: string[] = [];
  try {
    const text = await plan.prepare(f, c.text);
    if (plan.server) await runServer(text, plan, f, words(c.text));
    else {
      const run = await shell(text, f.workspace, plan.timeoutMs);
      await plan.check(run, f, words(c.text), notes);
    }
    return { command: c, notes, ms: Date.now() - started };
  } catch (error) {
    return { command: c, error, notes, ms: Date.now() - started };
  }
}

/** At most this many commands at once: two cores also carry the servers and the test. */
const PARALLEL = 6;

async function runAll(f: Fixture): Promise<Outcome[]> {
  const all = allCommands();
  const outcomes = new Map<DocCommand, Outcome>();
  const plans = new Map(all.map((c) => [c, planFor(c, blockOf(c, all))]));
  // Independent commands run in parallel; one that needs an earlier line's output runs after it.
  const chains: DocCommand[][] = [];
  const chainOf = new Map<DocCommand, DocCommand[]>();
  for (const c of all) {
    const plan = plans.get(c);
    const after = typeof plan === "object" ? plan.after : undefined;
    const chain = after === undefined ? [] : chainOf.get(after)!;
    if (after === undefined) chains.push(chain);
    chain.push(c);
    chainOf.set(c, chain);
  }
  const runChain = async (chain: DocCommand[]) => {
    let skipped = "";
    for (const c of chain) {
      const plan = plans.get(c)!;
      if (plan === "recursion") {
        outcomes.set(c, { command: c, notes: [], skipped: "it is this test suite", ms: 0 });
        continue;
      }
      assert.ok(typeof plan !== "string", plan as string);
      // A line after a skipped one needs what it would have made.
      skipped ||= plan.skip;
      if (skipped) {
        outcomes.set(c, { command: c, notes: [], skipped, ms: 0 });
        continue;
      }
      const outcome = await runOne(c, plan, f);
      outcomes.set(c, outcome);
      if (outcome.error !== undefined) skipped = "the line it needs failed";
    }
  };
  const isLast = (b: DocCommand[]) => b.some((c) => (plans.get(c) as Plan).last === true);
  const queue = chains.filter((b) => !isLast(b));
  const worker = async () => {
    for (let b = queue.shift(); b !== undefined; b = queue.shift()) await runChain(b);
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  for (const b of chains.filter(isLast)) await runChain(b);
  return all.map((c) => outcomes.get(c)!);
}

Deno.test({
  name: "README commands run as written (ports, hosts and /tmp/ swapped)",
  fn: async (t) => {
    const workspace = await Deno.makeTempDir({ prefix: "pa_readme_" });
    const tmp = await Deno.makeTempDir({ prefix: "pa_readme_tmp_" });
    const tlsOk = NO_OPENSSL === "";
    // 20 ms of simulated compute: the commands' load costs little CPU, and timer lateness
    // under load stays small beside it, so windows agree.
    const compute = { computeUs: 20_000, instances: 16 };
    const plain = await startServer({
      ...compute,
      grpcPort: 0,
      tfservingPort: 0,
      openai: { model: README_LLM, outputTokens: 16 },
    });
    const tlsFiles = tlsOk
      ? { certFile: certs().serverCert, keyFile: certs().serverKey }
      : undefined;
    const tls = tlsFiles ? await startServer({ ...compute, tls: tlsFiles }) : undefined;
    const mtls = tlsFiles
      ? await startServer({
        ...compute,
        grpcPort: 0,
        tls: { ...tlsFiles, clientCaFile: certs().ca },
      })
      : undefined;
    const f: Fixture = { workspace, tmp, plain, tls, mtls, summaries: [] };
    try {
      await copyTree(ROOT.replace(/\/$/, ""), workspace);
      const outcomes = await runAll(f);
      for (const o of outcomes) {
        const c = o.command;
        const name = `${c.doc}:${c.line}: ${c.text}`;
        if (o.skipped) {
          await t.step({ name: `${name} (skipped: ${o.skipped})`, ignore: true, fn: () => {} });
          continue;
        }
        await t.step(`${name} (${(o.ms / 1000).toFixed(1)} s)`, () => {
          for (const note of o.notes) console.log(`  note: ${note}`);
          if (o.error !== undefined) throw o.error;
        });
      }
    } finally {
      await Promise.all([plain.close(), tls?.close(), mtls?.close()]);
      testCerts?.remove();
      await Deno.remove(workspace, { recursive: true });
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
