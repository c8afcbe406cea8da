/**
 * `deno task compile`: `deno compile -A -o dist/perf_analyzer main.ts`, made to fail clearly
 * where it cannot work. deno compile needs the `denort` runtime, which it downloads from
 * dl.deno.land unless DENORT_BIN names a local copy; on machines that cannot reach that host
 * the download would fail deep inside deno, so this script checks first and says what to do.
 * `deno task bundle` (one JS file, run with `deno run -A`) works offline everywhere.
 */
const ROOT = new URL("../", import.meta.url).pathname;
const DOWNLOAD_HOST = "https://dl.deno.land/";

export const COMPILE_ARGS = ["compile", "-A", "-o", "dist/perf_analyzer", "main.ts"];

/** Why compiling cannot work here, or undefined when it can be tried. */
export async function compileBlocker(
  env: { get(name: string): string | undefined },
  reachable: () => Promise<boolean>,
): Promise<string | undefined> {
  const denort = env.get("DENORT_BIN");
  if (denort !== undefined && denort !== "") {
    try {
      if (Deno.statSync(denort).isFile) return undefined;
    } catch { /* reported below */ }
    return `DENORT_BIN is set to '${denort}', which is not a file. Point it at a denort ` +
      "binary of the same Deno version (2.9.6), or unset it to download one.";
  }
  if (await reachable()) return undefined;
  return `deno compile needs the denort runtime, downloaded from ${DOWNLOAD_HOST}, which is ` +
    "unreachable from this machine. Either set DENORT_BIN=/path/to/denort (same Deno version), " +
    "or use `deno task bundle` and run dist/perf_analyzer.js with `deno run -A`.";
}

async function hostReachable(): Promise<boolean> {
  try {
    const res = await fetch(DOWNLOAD_HOST, { method: "HEAD", signal: AbortSignal.timeout(5000) });
    await res.body?.cancel();
    return true;
  } catch {
    return false;
  }
}

if (import.meta.main) {
  const blocker = await compileBlocker(Deno.env, hostReachable);
  if (blocker !== undefined) {
    console.error(`compile: ${blocker}`);
    Deno.exit(1);
  }
  const r = await new Deno.Command(Deno.execPath(), { args: COMPILE_ARGS, cwd: ROOT }).spawn()
    .status;
  Deno.exit(r.code);
}
