/** The tool's version, printed by --version and written into profile exports. */
export const VERSION = "0.1.0";

/** Set by the packaged executable (scripts/package.ts) to the commit it was built from. */
export const COMMIT_ENV = "PERF_ANALYZER_COMMIT";

/**
 * The commit this code came from: the packaged executable's, else what git says of the
 * checkout the code runs from (the folder holding main.ts) (`-dirty` when it has changes), else "unknown". Only --version
 * and a run writing --report-json/--report-html ask, once, so a git call is affordable.
 */
export function buildCommit(): string {
  try {
    const packaged = Deno.env.get(COMMIT_ENV);
    if (packaged) return packaged;
    const root = new URL("..", import.meta.url);
    // Only this repository's checkout: a copied bundle may sit inside somebody else's.
    if (root.protocol !== "file:" || !Deno.statSync(new URL("main.ts", root)).isFile) {
      return "unknown";
    }
    const out = new Deno.Command("git", {
      args: ["describe", "--always", "--dirty", "--abbrev=12", "--exclude=*"],
      cwd: root,
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && text !== "" ? text : "unknown";
  } catch {
    // No git, no permission to run it or to read the environment.
    return "unknown";
  }
}
