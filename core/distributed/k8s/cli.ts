/**
 * The `dist` subcommand: `dist k8s` writes the Indexed Job manifest of a distributed run (its
 * pods' logs then go to `merge` as they are).
 */
import { parseArgs } from "node:util";
import { ExitCode, UsageError } from "../../errors.ts";
import { type K8sPlan, manifest } from "./manifest.ts";
import { toYaml } from "./yaml.ts";

export interface DistIo {
  stdout(text: string): void;
  stderr(text: string): void;
  writeTextFile(path: string, text: string): Promise<void>;
  nowMs(): number;
}

export const DIST_HELP =
  `Usage: perf_analyzer dist k8s --workers N --image IMAGE [options] -- <perf_analyzer args>

dist k8s writes a Kubernetes Indexed Job (and its ConfigMap) that runs N workers of one
distributed run: each pod runs perf_analyzer with the arguments after --, plus --worker-count N,
the common --start-at, --dist-run-id and --dist-out - (the artifact on stdout, between marker
lines), so the pods' logs are what merge reads. No pod is ever restarted; one failed worker fails
the Job.
  --workers N             number of workers (pods) [required]
  --image IMAGE           container image with perf_analyzer and sh [required]
  --command CMD           the perf_analyzer executable in the image [default: perf_analyzer]
  --namespace NS          namespace of the Job and ConfigMap [default: kubectl's]
  --name NAME             name of the Job and ConfigMap [default: pa-<run id>]
  --run-id ID             the run's id [default: from the clock]
  --startup-budget S      seconds from now to the common start: enough to apply, pull the
                          image and schedule every pod [default: 120]
  --cpu CPU               CPU request and limit of each worker, e.g. 4 or 1500m [default: none]
  --deadline S            the Job fails after this many seconds [default: 3600]
  -o, --output FILE       write the manifest here [default: stdout]
`;

const RUN_ID = /^[A-Za-z0-9._-]+$/;

function whole(flag: string, text: string | undefined, def: number | undefined, min: number) {
  if (text === undefined) {
    if (def === undefined) throw new UsageError(`dist k8s needs --${flag}.`);
    return def;
  }
  if (!/^\d+$/.test(text) || Number(text) < min) {
    throw new UsageError(`--${flag} must be a whole number >= ${min}, got "${text}".`);
  }
  return Number(text);
}

async function k8s(argv: string[], io: DistIo): Promise<number> {
  const dash = argv.indexOf("--");
  const own = dash < 0 ? argv : argv.slice(0, dash);
  const { values } = parseArgs({
    args: own,
    options: {
      workers: { type: "string" },
      image: { type: "string" },
      command: { type: "string", default: "perf_analyzer" },
      namespace: { type: "string" },
      name: { type: "string" },
      "run-id": { type: "string" },
      "startup-budget": { type: "string" },
      cpu: { type: "string" },
      deadline: { type: "string" },
      output: { type: "string", short: "o" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.image === undefined || values.image === "") {
    throw new UsageError("dist k8s needs --image.");
  }
  const now = io.nowMs();
  const runId = values["run-id"] ?? `r${now.toString(36)}`;
  if (!RUN_ID.test(runId)) {
    throw new UsageError(`--run-id "${runId}": use letters, digits, '.', '_' or '-'.`);
  }
  const budgetS = whole("startup-budget", values["startup-budget"], 120, 1);
  const plan: K8sPlan = {
    name: values.name ?? `pa-${runId.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`,
    namespace: values.namespace,
    workers: whole("workers", values.workers, undefined, 1),
    image: values.image,
    command: values.command,
    args: dash < 0 ? [] : argv.slice(dash + 1),
    startAtMs: now + budgetS * 1000,
    runId,
    cpu: values.cpu,
    deadlineS: whole("deadline", values.deadline, 3600, 1),
  };
  const yaml = toYaml(manifest(plan));
  if (values.output === undefined) io.stdout(yaml);
  else await io.writeTextFile(values.output, yaml);
  const at = new Date(plan.startAtMs).toISOString();
  io.stderr(
    `Job ${plan.name}: ${plan.workers} workers start together at ${at} (in ${budgetS} s); ` +
      "apply it now (kubectl apply -f), then after the run:\n" +
      `  kubectl logs -l job-name=${plan.name} --tail=-1 --prefix > logs.txt\n` +
      "  perf_analyzer merge logs.txt\n",
  );
  return ExitCode.Success;
}

/** Runs `dist k8s ...`; usage errors print "Error: ..." and return 99. */
export async function distMain(argv: string[], io: DistIo): Promise<number> {
  const [sub, ...rest] = argv;
  try {
    if (sub === "k8s") return await k8s(rest, io);
    if (sub === "-h" || sub === "--help") {
      io.stdout(DIST_HELP);
      return ExitCode.Success;
    }
    throw new UsageError(`dist needs k8s, got "${sub ?? ""}".\n${DIST_HELP}`);
  } catch (e) {
    // parseArgs throws TypeErrors naming the bad option; they are usage errors too.
    const message = e instanceof UsageError || e instanceof TypeError ? e.message : undefined;
    if (message === undefined) throw e;
    io.stderr(`Error: ${message}\n`);
    return ExitCode.Generic;
  }
}
