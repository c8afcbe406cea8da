import { deepEqual } from "node:assert/strict";
import { headCommit, holdsFile } from "./version.ts";

const A = "0123456789abcdef0123456789abcdef01234567";
const B = "89abcdef0123456789abcdef0123456789abcdef";

/** A checkout folder whose .git holds `files` (paths relative to .git/). */
function checkout(files: Record<string, string>): URL {
  const dir = Deno.makeTempDirSync({ prefix: "pa_version_" });
  for (const [path, text] of Object.entries(files)) {
    Deno.mkdirSync(`${dir}/.git/${path}`.replace(/\/[^/]*$/, ""), { recursive: true });
    Deno.writeTextFileSync(`${dir}/.git/${path}`, text);
  }
  return new URL(`file://${dir}/`);
}

Deno.test("headCommit follows HEAD to a loose ref, a packed ref, or a detached commit", () => {
  const roots = [
    checkout({ HEAD: "ref: refs/heads/main\n", "refs/heads/main": `${A}\n` }),
    checkout({
      HEAD: "ref: refs/heads/x/y\n",
      "packed-refs": `# pack-refs with: peeled\n${B} refs/heads/main\n${A} refs/heads/x/y\n`,
    }),
    checkout({ HEAD: `${A}\n` }),
  ];
  try {
    deepEqual(roots.map(headCommit), [A, A, A].map((s) => s.slice(0, 12)));
  } finally {
    for (const r of roots) Deno.removeSync(r, { recursive: true });
  }
});

Deno.test("headCommit reads a worktree: .git names its folder, commondir the shared refs", () => {
  const main = checkout({
    "worktrees/w/HEAD": "ref: refs/heads/h/w\n",
    "worktrees/w/commondir": "../..\n",
    "refs/heads/h/w": `${B}\n`,
  });
  const wt = Deno.makeTempDirSync({ prefix: "pa_version_wt_" });
  Deno.writeTextFileSync(`${wt}/.git`, `gitdir: ${main.pathname}.git/worktrees/w\n`);
  try {
    deepEqual(headCommit(new URL(`file://${wt}/`)), B.slice(0, 12));
  } finally {
    Deno.removeSync(main, { recursive: true });
    Deno.removeSync(wt, { recursive: true });
  }
});

Deno.test("headCommit answers undefined when the files do not name a commit", () => {
  const roots = [
    checkout({ HEAD: "ref: refs/heads/gone\n" }),
    checkout({ HEAD: "not a commit\n" }),
    new URL(`file://${Deno.makeTempDirSync({ prefix: "pa_version_" })}/`),
  ];
  try {
    deepEqual(roots.map(headCommit), [undefined, undefined, undefined]);
  } finally {
    for (const r of roots) Deno.removeSync(r, { recursive: true });
  }
});

Deno.test("holdsFile: a file by that name or a link to one, not a folder, not a missing one", () => {
  const dir = Deno.makeTempDirSync({ prefix: "pa_version_" });
  try {
    Deno.writeTextFileSync(`${dir}/main.ts`, "");
    Deno.mkdirSync(`${dir}/core`);
    Deno.symlinkSync(`${dir}/main.ts`, `${dir}/linked.ts`);
    Deno.symlinkSync(`${dir}/core`, `${dir}/linked_dir`);
    const url = new URL(`file://${dir}/`);
    const names = ["main.ts", "linked.ts", "core", "linked_dir", "deno.json"];
    deepEqual(names.map((n) => holdsFile(url, n)), [true, true, false, false, false]);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
