import assert from "node:assert/strict";
import { usageText } from "./help.ts";
import { builtInKinds } from "../registry.ts";
import { SERVICE_KINDS, serviceKindRows } from "./service_kinds.ts";

Deno.test("every built-in kind has a --help row, and every row names a real kind", () => {
  const rows = SERVICE_KINDS.map((k) => k.kind).filter((k) => !k.startsWith("plugin:"));
  for (const kind of builtInKinds()) {
    assert.ok(rows.includes(kind), `add a row for '${kind}' to core/cli/service_kinds.ts`);
  }
  assert.deepEqual(
    serviceKindRows(["triton"]).map((k) => k.kind),
    ["triton", "plugin:<path-or-URL>"],
    "rows for kinds this build does not load are left out",
  );
});

Deno.test("--help lists each service kind with its protocols, statistics and modes", () => {
  const text = usageText();
  const section = text.slice(text.indexOf("Service kinds (--service-kind):"));
  const flat = section.replace(/\s+/g, " ");
  assert.match(
    flat,
    / triton Protocols: http, grpc\. Server statistics: yes \(statistics extension\)\. Modes: /,
  );
  assert.match(
    flat,
    / torchserve Protocols: http\. Server statistics: no \(client-side only\)\. .*TORCHSERVE_INPUT/,
  );
  assert.match(flat, / plugin:<path-or-URL> Protocols: what the module declares\./);
  for (const line of section.split("\n")) assert.ok(line.length <= 100, line);
});
