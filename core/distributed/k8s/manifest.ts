/**
 * A distributed run as a Kubernetes Indexed Job: N pods, each one worker (its index is the
 * JOB_COMPLETION_INDEX the Job controller sets), a ConfigMap holding the worker arguments and
 * the common start, no restarts (a restarted index would start late and count twice), and each
 * worker's artifact printed on stdout (`--dist-out -`, between marker lines), so `kubectl logs`
 * is the transport and `merge` reads the artifacts straight from the logs.
 */
import { UsageError } from "../../errors.ts";
import type { YamlValue } from "./yaml.ts";

export interface K8sPlan {
  /** Name of the Job and its ConfigMap (an RFC 1123 label). */
  name: string;
  namespace: string | undefined;
  workers: number;
  image: string;
  /** The perf_analyzer executable in the image, as shell words. */
  command: string;
  /** Each worker's perf_analyzer arguments (the distribution flags are added). */
  args: string[];
  /** The common start, ms since the Unix epoch. */
  startAtMs: number;
  runId: string;
  /** CPU request and limit of each worker ("4", "1500m"); undefined = none. */
  cpu: string | undefined;
  /** The Job fails when it runs longer than this. */
  deadlineS: number;
}

/** Where the ConfigMap's argument file is mounted in the pod. */
export const ARGS_DIR = "/etc/perf-analyzer";
const ARGS_KEY = "args";
const LABEL = "app.kubernetes.io/name";
const APP = "perf-analyzer-deno";
/** Pod names add "-<index>-<5 chars>" to the Job's; hostnames must stay within 63. */
const MAX_NAME = 40;

/** Flags the Job sets on every worker itself. */
const SET_BY_JOB = [
  "--worker-index",
  "--worker-count",
  "--execution-segment",
  "--execution-segment-sequence",
  "--start-at",
  "--dist-out",
  "--dist-run-id",
];

export function checkPlan(plan: K8sPlan): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(plan.name) || plan.name.length > MAX_NAME) {
    throw new UsageError(
      `--name "${plan.name}": use at most ${MAX_NAME} lower-case letters, digits and '-', ` +
        "starting and ending with a letter or digit (pod names add the index to it).",
    );
  }
  for (const arg of plan.args) {
    const flag = SET_BY_JOB.find((f) => arg === f || arg.startsWith(`${f}=`));
    if (flag !== undefined) throw new UsageError(`dist k8s sets ${flag} on every worker itself.`);
    // The ConfigMap holds one argument per line.
    if (arg.includes("\n")) throw new UsageError(`A worker argument holds a newline: "${arg}".`);
  }
  if (plan.args.length === 0) {
    throw new UsageError("Give the workers' perf_analyzer arguments after --, e.g. -- -m M -u URL");
  }
}

/**
 * The container's shell script: the arguments from the mounted file, one per line (so any
 * character but a newline survives), then the worker in the shell's place, so its exit code is
 * the pod's and a failed worker fails the Job.
 */
function podScript(plan: K8sPlan): string {
  return [
    "set -u",
    "set --",
    'while IFS= read -r arg || [ -n "$arg" ]; do set -- "$@" "$arg"; done < "$PA_ARGS_FILE"',
    `exec ${plan.command} "$@" --worker-count ${plan.workers} --start-at "$START_AT" \\`,
    '  --dist-run-id "$RUN_ID" --dist-out -',
    "",
  ].join("\n");
}

type Doc = { [key: string]: YamlValue };

function metadata(plan: K8sPlan): Doc {
  const m: Doc = { name: plan.name };
  if (plan.namespace !== undefined) m.namespace = plan.namespace;
  m.labels = { [LABEL]: APP, "perf-analyzer/run-id": plan.runId };
  return m;
}

/** The ConfigMap's data: what every worker reads at start. */
export function configData(plan: K8sPlan): Record<string, string> {
  return {
    START_AT: String(plan.startAtMs),
    RUN_ID: plan.runId,
    [ARGS_KEY]: plan.args.map((a) => `${a}\n`).join(""),
  };
}

function fromConfig(name: string, plan: K8sPlan): Doc {
  return { name, valueFrom: { configMapKeyRef: { name: plan.name, key: name } } };
}

/** The ConfigMap and the Job, in the order `kubectl apply` needs them. */
export function manifest(plan: K8sPlan): Doc[] {
  checkPlan(plan);
  const container: Doc = {
    name: "worker",
    image: plan.image,
    command: ["sh", "-c", podScript(plan)],
    env: [
      fromConfig("START_AT", plan),
      fromConfig("RUN_ID", plan),
      { name: "PA_ARGS_FILE", value: `${ARGS_DIR}/${ARGS_KEY}` },
    ],
    volumeMounts: [{ name: "args", mountPath: ARGS_DIR, readOnly: true }],
  };
  if (plan.cpu !== undefined) {
    container.resources = { requests: { cpu: plan.cpu }, limits: { cpu: plan.cpu } };
  }
  const configMap: Doc = {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: metadata(plan),
    data: configData(plan),
  };
  const job: Doc = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: metadata(plan),
    spec: {
      completionMode: "Indexed",
      completions: plan.workers,
      // All at once: the START_AT budget covers image pulls and scheduling.
      parallelism: plan.workers,
      // Never run an index twice; any failed worker fails the Job (no partial success).
      backoffLimitPerIndex: 0,
      maxFailedIndexes: 0,
      podFailurePolicy: {
        rules: [{ action: "FailJob", onExitCodes: { operator: "NotIn", values: [0] } }],
      },
      activeDeadlineSeconds: plan.deadlineS,
      // Kept a day so `kubectl logs` can still collect the artifacts.
      ttlSecondsAfterFinished: 86400,
      template: {
        metadata: { labels: { [LABEL]: APP, "perf-analyzer/run-id": plan.runId } },
        spec: {
          restartPolicy: "Never",
          // One load generator per node where there are enough nodes.
          topologySpreadConstraints: [{
            maxSkew: 1,
            topologyKey: "kubernetes.io/hostname",
            whenUnsatisfiable: "DoNotSchedule",
            labelSelector: { matchLabels: { "job-name": plan.name } },
          }],
          containers: [container],
          volumes: [{
            name: "args",
            configMap: { name: plan.name, items: [{ key: ARGS_KEY, path: ARGS_KEY }] },
          }],
        },
      },
    },
  };
  return [configMap, job];
}
