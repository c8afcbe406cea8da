/** The tool's version, printed by --version and written into profile exports. */
export const VERSION = "0.1.0";

/** Set by the packaged executable (scripts/package.ts) to the commit it was built from. */
export const COMMIT_ENV = "PERF_ANALYZER_COMMIT";

/** Commits are named by their first 12 hex digits, as `git describe --abbrev=12` names them. */
const ABBREV = 12;

/**
 * The commit this code came from: the packaged executable's, else that of the checkout the code
 * runs from (the folder holding main.ts), else "unknown". `markDirty` (run reports) asks git
 * itself, which appends `-dirty` when the checkout has uncommitted changes; without it (--version)
 * the commit is read from .git's files, since starting git costs more than the rest of --version.
 * Git is still asked when those files cannot be read (an unusual layout, a ref git resolves
 * another way).
 */
export function buildCommit(markDirty = false): string {
  try {
    const packaged = Deno.env.get(COMMIT_ENV);
    if (packaged) return packaged;
    const root = new URL("..", import.meta.url);
    // Only this repository's checkout: a copied bundle may sit inside somebody else's.
    if (root.protocol !== "file:" || !holdsFile(root, "main.ts")) return "unknown";
    return (markDirty ? undefined : headCommit(root)) ?? describe(root);
  } catch {
    // No permission to read the environment or the checkout.
    return "unknown";
  }
}

/**
 * Entries listed before giving up: a checkout's top folder holds a few dozen, so a folder read
 * this far without `main.ts` is taken for somebody else's (such as /tmp holding a copied bundle).
 */
const MAX_TOP_ENTRIES = 1000;

/**
 * Whether folder `dir` holds a file `name` (or a link to one), found by listing it rather than
 * by a stat that throws when the file is missing: in the one-file bundle the first exception a
 * process throws costs about 20 ms (V8 maps its position to a line over the whole 2.8 MB
 * file, stack trace or not), a fifth of the bundle's whole --version.
 */
export function holdsFile(dir: URL, name: string): boolean {
  let seen = 0;
  for (const entry of Deno.readDirSync(dir)) {
    if (entry.name === name) {
      return entry.isFile || (entry.isSymlink && Deno.statSync(new URL(name, dir)).isFile);
    }
    if (++seen === MAX_TOP_ENTRIES) return false;
  }
  return false;
}

/** `git describe`'s answer for the checkout at `root` (with `-dirty`), or "unknown". */
function describe(root: URL): string {
  try {
    const out = new Deno.Command("git", {
      args: ["describe", "--always", "--dirty", `--abbrev=${ABBREV}`, "--exclude=*"],
      cwd: root,
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    const text = new TextDecoder().decode(out.stdout).trim();
    return out.success && text !== "" ? text : "unknown";
  } catch {
    // No git, or no permission to run it.
    return "unknown";
  }
}

const SHA = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

function readText(url: URL): string | undefined {
  try {
    return Deno.readTextFileSync(url).trim();
  } catch {
    return undefined;
  }
}

/**
 * HEAD's commit read from the files of the checkout's .git, or undefined. A worktree's .git is a
 * file naming its own folder (HEAD) and, through `commondir`, the shared one (refs, packed-refs).
 * Files are read where they usually are first: in the bundle the first error thrown costs about
 * 20 ms (see holdsFile), a quarter of --version.
 */
export function headCommit(root: URL): string | undefined {
  const dotGit = new URL(".git", root);
  let gitDir = new URL(".git/", root);
  let commonDir = gitDir;
  try {
    if (!Deno.statSync(dotGit).isDirectory) {
      const link = readText(dotGit);
      if (!link?.startsWith("gitdir: ")) return undefined;
      gitDir = new URL(`${link.slice(8)}/`, root);
      const common = readText(new URL("commondir", gitDir));
      commonDir = common === undefined ? gitDir : new URL(`${common}/`, gitDir);
    }
  } catch {
    return undefined;
  }
  const head = readText(new URL("HEAD", gitDir));
  if (head === undefined) return undefined;
  if (!head.startsWith("ref: ")) return SHA.test(head) ? head.slice(0, ABBREV) : undefined;
  const ref = head.slice(5);
  // A branch lives in the shared folder; a worktree's own folder holds only its private refs.
  const loose = readText(new URL(ref, commonDir)) ??
    (gitDir.href === commonDir.href ? undefined : readText(new URL(ref, gitDir)));
  if (loose !== undefined) return SHA.test(loose) ? loose.slice(0, ABBREV) : undefined;
  // packed-refs lines are "<sha> <ref>"; "^<sha>" lines peel the tag above them.
  for (const line of readText(new URL("packed-refs", commonDir))?.split("\n") ?? []) {
    const [sha, name] = line.split(" ");
    if (name === ref && SHA.test(sha)) return sha.slice(0, ABBREV);
  }
  return undefined;
}
