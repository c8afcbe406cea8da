/**
 * `deno task pa` from another folder: relative paths on the command line are the caller's, not
 * the folder holding deno.json.
 */
import assert from "node:assert/strict";
import { startServer } from "../server/mod.ts";

const CONFIG = new URL("../deno.json", import.meta.url).pathname;
const ROOT = new URL("..", import.meta.url).pathname;

Deno.test("deno task pa writes -f rel.csv where the user typed the command", async () => {
  const server = await startServer({ host: "127.0.0.1" });
  const caller = await Deno.makeTempDir({ prefix: "pa_caller_" });
  const csv = `pa_task_cwd_${crypto.randomUUID()}.csv`;
  try {
    const env = Deno.env.toObject();
    // A shell starts without INIT_CWD; deno task sets it to the folder it was typed in.
    delete env.INIT_CWD;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "task",
        "--config",
        CONFIG,
        "pa",
        "-m",
        "simple",
        "-u",
        server.url,
        "--request-count",
        "5",
        "-f",
        csv,
      ],
      cwd: caller,
      clearEnv: true,
      env: { ...env, NO_COLOR: "1" },
      stdin: "null",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, stderr);
    assert.match(await Deno.readTextFile(`${caller}/${csv}`), /^Concurrency,Inferences\/Second,/);
    await assert.rejects(Deno.stat(`${ROOT}${csv}`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(`${ROOT}${csv}`).catch(() => {});
    await Deno.remove(caller, { recursive: true });
    await server.close();
  }
});
