/**
 * The external programs the bench needs (nginx, wrk, and bash for wrk's CPU time) and what is
 * recorded about the machine so results from different runs can be compared.
 */
import { NGINX_BIN } from "./bench_nginx.ts";

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}

/** The first `name` on PATH, or undefined. */
export async function onPath(
  name: string,
  path = Deno.env.get("PATH") ?? "",
): Promise<string | undefined> {
  for (const dir of path.split(":")) {
    if (dir !== "" && await isFile(`${dir}/${name}`)) return `${dir}/${name}`;
  }
  return undefined;
}

/** Names of the missing tools, in install-command order. */
export async function missingTools(): Promise<string[]> {
  const missing: string[] = [];
  if (!await isFile(NGINX_BIN)) missing.push("nginx");
  if (await onPath("wrk") === undefined) missing.push("wrk");
  if (await onPath("bash") === undefined) missing.push("bash");
  return missing;
}

export interface MachineInfo {
  nproc: number;
  cpuModel: string;
  os: string;
  arch: string;
  deno: string;
  v8: string;
  nginx: string;
  wrk: string;
  loadavgAtStart: number[];
}

async function firstLine(cmd: string, args: string[], match: RegExp): Promise<string> {
  try {
    const out = await new Deno.Command(cmd, { args, stdin: "null" }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    return match.exec(text)?.[1] ?? "unknown";
  } catch {
    return "unknown";
  }
}

async function cpuModel(): Promise<string> {
  try {
    const info = await Deno.readTextFile("/proc/cpuinfo");
    return /^model name\s*:\s*(.+)$/m.exec(info)?.[1].trim() ?? "unknown";
  } catch {
    return "unknown";
  }
}

export async function machineInfo(): Promise<MachineInfo> {
  return {
    nproc: navigator.hardwareConcurrency,
    cpuModel: await cpuModel(),
    os: Deno.build.os,
    arch: Deno.build.arch,
    deno: Deno.version.deno,
    v8: Deno.version.v8,
    nginx: await firstLine(NGINX_BIN, ["-v"], /nginx version: (\S+)/),
    wrk: await firstLine("wrk", ["-v"], /^(wrk \S+ \S+)/m),
    loadavgAtStart: Deno.loadavg(),
  };
}

/** CPU seconds all cores spent busy since boot (/proc/stat, ticks of 1/100 s). */
export async function systemBusySeconds(): Promise<number> {
  const line = (await Deno.readTextFile("/proc/stat")).split("\n")[0];
  // cpu user nice system idle iowait irq softirq steal ...; guest time is already in user.
  const t = line.trim().split(/\s+/).slice(1, 9).map(Number);
  return (t[0] + t[1] + t[2] + t[5] + t[6] + t[7]) / 100;
}
