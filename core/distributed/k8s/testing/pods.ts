/**
 * A Kubernetes Indexed Job's pods played as local processes, the closest thing to a cluster
 * here: for each index the container's command runs with the environment the kubelet would give
 * it (JOB_COMPLETION_INDEX from the Job controller, the ConfigMap keys its env names), the
 * ConfigMap volume standing in as files. All pods run at once, as `parallelism` asks. Not a
 * test itself.
 */
import { join } from "node:path";

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { configMapKeyRef: { name: string; key: string } };
}

interface Container {
  command: string[];
  env: EnvVar[];
  volumeMounts: { name: string; mountPath: string }[];
}

interface JobDoc {
  kind: "Job";
  spec: {
    completions: number;
    template: {
      spec: {
        containers: Container[];
        volumes: { name: string; configMap: { items: { key: string; path: string }[] } }[];
      };
    };
  };
}

interface ConfigMapDoc {
  kind: "ConfigMap";
  data: Record<string, string>;
}

export interface PodRun {
  index: number;
  code: number;
  /** What `kubectl logs` would show: the container's stdout. */
  log: string;
  stderr: string;
}

/**
 * Runs every pod of the Job in `docs` (the ConfigMap and the Job, as parsed from the manifest).
 * `env` is added to every pod's environment (a test's own knobs).
 */
export async function runPods(
  docs: unknown[],
  scratch: string,
  env: Record<string, string> = {},
): Promise<PodRun[]> {
  const cm = docs.find((d) => (d as ConfigMapDoc).kind === "ConfigMap") as ConfigMapDoc;
  const job = docs.find((d) => (d as JobDoc).kind === "Job") as JobDoc;
  const pod = job.spec.template.spec;
  const container = pod.containers[0];
  const podEnv: Record<string, string> = { ...env };
  for (const e of container.env) {
    podEnv[e.name] = e.value ?? cm.data[e.valueFrom!.configMapKeyRef.key];
  }
  // The ConfigMap volume: its items as files, at the path the container's env points into.
  const volume = pod.volumes[0];
  const mount = container.volumeMounts.find((m) => m.name === volume.name)!;
  const mounted = join(scratch, "configmap");
  await Deno.mkdir(mounted, { recursive: true });
  for (const item of volume.configMap.items) {
    await Deno.writeTextFile(join(mounted, item.path), cm.data[item.key]);
  }
  for (const [name, value] of Object.entries(podEnv)) {
    if (value.startsWith(`${mount.mountPath}/`)) {
      podEnv[name] = join(mounted, value.slice(mount.mountPath.length + 1));
    }
  }
  const [cmd, ...args] = container.command;
  return await Promise.all(
    Array.from({ length: job.spec.completions }, async (_, index) => {
      const out = await new Deno.Command(cmd, {
        args,
        env: { ...podEnv, JOB_COMPLETION_INDEX: String(index) },
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      }).output();
      const dec = new TextDecoder();
      return {
        index,
        code: out.code,
        log: dec.decode(out.stdout),
        stderr: dec.decode(out.stderr),
      };
    }),
  );
}
