import assert, { deepStrictEqual as assertEquals, throws } from "node:assert/strict";
import { makeTestCerts } from "../tests/tls_certs.ts";
import { eventually, hoard, spawnMain } from "./testing/main_child.ts";
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

Deno.test("main.ts with --tls-cert survives running out of file descriptors and serves again", async () => {
  const certs = makeTestCerts();
  // 128 descriptors: the runtime takes a few dozen, 300 connections take the rest.
  const child = await spawnMain(
    ["--tls-cert", certs.serverCert, "--tls-key", certs.serverKey],
    ["sh", "-c", 'ulimit -n 128; exec "$0" "$@"'],
  );
  const client = Deno.createHttpClient({ caCerts: [Deno.readTextFileSync(certs.ca)] });
  const live = async () => {
    const res = await fetch(`https://${child.http}/v2/health/live`, {
      client,
      signal: AbortSignal.timeout(2000),
    });
    await res.body?.cancel();
    return res.status === 200;
  };
  const [hostname, port] = child.grpc.split(":");
  const h2 = async () => {
    const conn = await Deno.connectTls({
      hostname,
      port: Number(port),
      caCerts: [Deno.readTextFileSync(certs.ca)],
      alpnProtocols: ["h2"],
    });
    try {
      return (await conn.handshake()).alpnProtocol === "h2";
    } finally {
      conn.close();
    }
  };
  try {
    assert.ok(await live());
    assert.ok((await hoard(child.http, 300)).length > 100);
    assert.ok(await eventually(live), "HTTPS never answered again");
    assert.ok((await hoard(child.grpc, 300)).length > 100);
    assert.ok(await eventually(h2), "the gRPC TLS port never completed a handshake again");
    assert.ok(await eventually(live), "HTTPS stopped answering");
  } finally {
    client.close();
    assert.equal(await child.stop(), 0);
    certs.remove();
  }
});
