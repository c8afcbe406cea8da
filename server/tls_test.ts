import { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { parseArgs } from "./cli.ts";
import { resolveOptions } from "./options.ts";

Deno.test("server --tls-* flags build the TLS options", () => {
  const r = parseArgs(["--tls-cert", "s.pem", "--tls-key=s.key", "--tls-client-ca", "ca.pem"]);
  assertEquals(r.kind === "run" ? r.options.tls : undefined, {
    certFile: "s.pem",
    keyFile: "s.key",
    clientCaFile: "ca.pem",
  });
});

Deno.test("server TLS needs both a certificate and a key", () => {
  const only = parseArgs(["--tls-cert", "s.pem"]);
  throws(() => resolveOptions(only.kind === "run" ? only.options : {}), /--tls-key\) is required/);
  throws(() => resolveOptions({ tls: { certFile: "", keyFile: "k" } }), /--tls-cert\) is required/);
  throws(() => parseArgs(["--tls-key", ""]), /--tls-key/);
});

Deno.test("server TLS: an unreadable certificate fails the start with the flag and path", async () => {
  const { startServer } = await import("./server.ts");
  await startServer({ tls: { certFile: "/no/such.pem", keyFile: "/no/such.key" } }).then(
    () => {
      throw new Error("started without a certificate");
    },
    (e: Error) => {
      if (!/Cannot read --tls-cert '\/no\/such.pem'/.test(e.message)) throw e;
    },
  );
});
