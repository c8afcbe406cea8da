/**
 * `deno task package`: dist/perf_analyzer, one executable file for machines with no Deno, npm or
 * node (the Triton SDK container, minimal CI images). It is a POSIX shell header followed by a
 * gzipped tar of the Deno runtime running this script (the one npm ships) and the bundled CLI
 * (`deno bundle`, every built-in kind and npm package inside). On first run the header unpacks
 * the archive into a cache folder named by the archive's SHA-256, checks it, and from then on
 * only execs the runtime. `deno compile` would give a smaller file but needs a runtime download
 * that is not reachable everywhere; this needs only what the machine building it already has.
 *
 * The header needs sh, tail, sha256sum, cut, tar (with gzip), mkdir, mktemp, mv and rm: the
 * coreutils of any glibc Linux. Two copies starting at once on an empty cache both unpack into
 * private folders; the first rename wins and the other drops its copy.
 */
import { createHash } from "node:crypto";
import { buildCommit, COMMIT_ENV, VERSION } from "../core/version.ts";

const ROOT = new URL("../", import.meta.url).pathname;

/** The header; `@SUM@`, `@LINES@`, `@COMMIT@` and `@VERSION@` are filled in by {@link header}. */
const HEADER = `#!/bin/sh
# perf_analyzer @VERSION@ (commit @COMMIT@): the Deno runtime and the bundled CLI in one file.
# The archive after this header unpacks on first run into
# \${PERF_ANALYZER_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/perf_analyzer}/<sha256>.
set -eu
sum=@SUM@
cache="\${PERF_ANALYZER_CACHE:-\${XDG_CACHE_HOME:-$HOME/.cache}/perf_analyzer}"
dir="$cache/$sum"
if [ ! -f "$dir/.complete" ]; then
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/.unpack.XXXXXX")
  tail -n +@LINES@ "$0" > "$tmp/archive"
  got=$(sha256sum "$tmp/archive" | cut -d ' ' -f 1)
  if [ "$got" != "$sum" ]; then
    rm -rf "$tmp"
    echo "perf_analyzer: $0 is damaged (archive checksum $got, expected $sum); copy it again" >&2
    exit 1
  fi
  tar -xzf "$tmp/archive" -C "$tmp"
  rm "$tmp/archive"
  : > "$tmp/.complete"
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
fi
export @COMMIT_ENV@=@COMMIT@ DENO_NO_UPDATE_CHECK=1
exec "$dir/deno" run -A --no-config --v8-flags=--max-semi-space-size=8 "$dir/perf_analyzer.js" "$@"
`;

/** The header for an archive with this checksum; its line count is where the archive starts. */
export function header(sum: string, commit: string): string {
  const lines = HEADER.split("\n").length; // the archive starts on the line after the last
  return HEADER.replaceAll("@SUM@", sum).replaceAll("@LINES@", String(lines))
    .replaceAll("@COMMIT_ENV@", COMMIT_ENV).replaceAll("@COMMIT@", commit)
    .replaceAll("@VERSION@", VERSION);
}

async function run(cmd: string, args: string[], cwd = ROOT): Promise<void> {
  const r = await new Deno.Command(cmd, { args, cwd, stdout: "inherit", stderr: "inherit" })
    .output();
  if (!r.success) throw new Error(`${cmd} ${args.join(" ")} failed with exit code ${r.code}`);
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path);
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/** Builds the executable at `out` (default dist/perf_analyzer) and returns its path. */
export async function buildPackage(out = `${ROOT}dist/perf_analyzer`): Promise<string> {
  const work = await Deno.makeTempDir({ prefix: "pa_package_" });
  try {
    await run(Deno.execPath(), [
      "bundle",
      "--quiet",
      "--platform",
      "deno",
      "-o",
      `${work}/perf_analyzer.js`,
      "main.ts",
    ]);
    await Deno.copyFile(Deno.execPath(), `${work}/deno`);
    await Deno.chmod(`${work}/deno`, 0o755);
    await run("tar", ["-czf", `${work}/archive`, "-C", work, "deno", "perf_analyzer.js"]);
    const text = new TextEncoder().encode(header(await sha256(`${work}/archive`), buildCommit()));
    await Deno.mkdir(new URL(".", `file://${out}`).pathname, { recursive: true });
    await Deno.writeFile(out, text, { mode: 0o755 });
    // pipeTo closes both files when the archive is copied.
    const dest = await Deno.open(out, { append: true });
    await (await Deno.open(`${work}/archive`)).readable.pipeTo(dest.writable);
    await Deno.chmod(out, 0o755);
    return out;
  } finally {
    await Deno.remove(work, { recursive: true });
  }
}

if (import.meta.main) {
  const out = await buildPackage(Deno.args[0]);
  const mb = (Deno.statSync(out).size / 1e6).toFixed(0);
  console.log(`wrote ${out} (${mb} MB): copy it anywhere on a glibc Linux and run it`);
}
