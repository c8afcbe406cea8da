import { deepStrictEqual as assertEquals, ok as assert, throws } from "node:assert/strict";
import { configOf, type KserveOptions, TEST_KINDS, usageErrorOf } from "../testing/kinds.ts";
import { usageText } from "./help.ts";
import { OptionTable } from "./spec.ts";

const INPROC = ["-m", "s", "--service-kind", "inproc"];

Deno.test("the first kind is the default; its own flags reach config.own, typed by it", () => {
  const c = configOf(["-m", "s", "--kserve-level", "3"]);
  assertEquals([c.serviceKind, (c.own as KserveOptions).level], ["kserve", 3]);
  assertEquals((configOf(["-m", "s"]).own as KserveOptions).level, 0);
  assertEquals(configOf(INPROC).own, undefined);
});

Deno.test("-u defaults come from the kind, per protocol; an in-process kind has none", () => {
  assertEquals(configOf(["-m", "s"]).url, "localhost:8000");
  assertEquals(configOf(["-m", "s", "-i", "grpc"]).url, "localhost:8001");
  assertEquals(configOf(["-m", "s", "-i", "grpc", "-u", "h:9"]).url, "h:9");
  assertEquals(configOf(INPROC).url, "");
});

Deno.test("a flag of another kind is refused, naming the kind that owns it", () => {
  assertEquals(
    usageErrorOf([...INPROC, "--kserve-level", "2"]),
    "--kserve-level is only used with --service-kind kserve (got --service-kind inproc); drop it.",
  );
  // Parsed without its module (main loads it first), a plugin kind still refuses these.
  assertEquals(
    usageErrorOf(["-m", "s", "--kserve-l", "2", "--service-kind", "plugin:./p.ts"]),
    "--kserve-level is only used with --service-kind kserve (got --service-kind plugin:./p.ts); " +
      "drop it.",
  );
});

Deno.test("what a kind does not declare is refused with the kind named", () => {
  assertEquals(
    usageErrorOf([...INPROC, "-H", "a:b"]),
    "-H is not supported with --service-kind inproc: it sends no request headers; drop -H.",
  );
  assertEquals(
    usageErrorOf([...INPROC, "--streaming"]),
    "--streaming is not supported with --service-kind inproc; drop it.",
  );
  assertEquals(
    usageErrorOf([...INPROC, "--request-timeout", "5"]),
    "--request-timeout is not supported with --service-kind inproc.",
  );
  assertEquals(
    usageErrorOf([...INPROC, "-i", "grpc", "--grpc-compression-algorithm", "gzip"]),
    "--grpc-compression-algorithm gzip is not supported with --service-kind inproc; leave it " +
      "at none.",
  );
});

Deno.test("a kind's own rules run once the command line is known", () => {
  assertEquals(usageErrorOf(["-m", "s", "--kserve-level", "-1"]), "--kserve-level must be >= 0.");
  assertEquals(usageErrorOf(["-m", "s", "--kserve-level", "x"]), "bad --kserve-level x");
});

Deno.test("--help lists each kind with its default URLs, then the flags each kind adds", () => {
  const flat = usageText(TEST_KINDS).replace(/\s+/g, " ");
  assert(
    flat.includes(
      " kserve Protocols: http (-u localhost:8000), grpc (-u localhost:8001). Server " +
        "statistics: yes. Modes: all.",
    ),
    flat,
  );
  assert(flat.includes(" inproc Protocols: none. Server statistics: no."));
  assert(flat.includes(" plugin:<path-or-URL> Protocols: what the module declares."));
  assert(
    flat.includes(
      "Options of --service-kind kserve: --kserve-level <n> A kserve-only flag. [default: 0]",
    ),
  );
  assert(!flat.includes("Options of --service-kind inproc"));
});

Deno.test("two owners of one flag name are a build error, not a silent shadow", () => {
  throws(
    () => new OptionTable([...TEST_KINDS, { ...TEST_KINDS[0], kind: "twin" }]),
    /--kserve-level is declared twice \(by --service-kind kserve, by --service-kind twin\)/,
  );
});
