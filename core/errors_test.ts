import assert from "node:assert/strict";
import { ExitCode, isRunError, isUsageError, RunError, UsageError } from "./errors.ts";

Deno.test("errors are recognised by brand, also from another copy of the module", async () => {
  assert.ok(isRunError(new RunError("x")));
  assert.ok(isUsageError(new UsageError("x")));
  assert.ok(!isRunError(new UsageError("x")) && !isUsageError(new RunError("x")));
  assert.ok(!isRunError(new Error("x")) && !isRunError(undefined) && !isRunError("RunError"));
  // A second copy of errors.ts (a plugin beside the bundle): other classes, same brands.
  const copy: typeof import("./errors.ts") = await import(`./errors.ts?copy=${Date.now()}`);
  const foreign = new copy.RunError("from a plugin", ExitCode.NoValidRequests);
  assert.equal(foreign instanceof RunError, false, "the copy really is another class");
  assert.ok(isRunError(foreign));
  assert.equal(foreign.code, ExitCode.NoValidRequests);
  assert.ok(isUsageError(new copy.UsageError("u")));
});
