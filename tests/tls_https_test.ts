/**
 * HTTPS end to end: the CLI in-process against the reference server behind TLS, with
 * certificates made by openssl for this run (tests/tls_certs.ts). Counts are checked against
 * the server's ground truth; failures must be one line naming the URL and the TLS reason, with
 * the exit code of a connection failure at startup (99).
 */
import { equal, match, ok } from "node:assert/strict";
import { numberAfter, runCli, withServer } from "./cli_harness.ts";
import { failed, okRun, withCerts } from "./tls_cli.ts";
import { haveOpenssl } from "./tls_certs.ts";

const OPENSSL = haveOpenssl();
if (!OPENSSL) console.warn("tls_https_test: openssl not found, TLS tests skipped");

const COUNT = 30;

const run = (url: string, ...flags: string[]) =>
  runCli(["-m", "simple", "-u", url, "--request-count", String(COUNT), ...flags]);

Deno.test({
  name: "HTTPS: verified by CA file, by -u name, wrong/missing CA rejected, verify-peer 0 hint",
  ignore: !OPENSSL,
  fn: () =>
    withCerts((c) =>
      withServer({ tls: { certFile: c.serverCert, keyFile: c.serverKey } }, async (s) => {
        ok(s.url.startsWith("https://127.0.0.1:"), s.url);
        equal(okRun(await run(s.url, "--ssl-https-ca-certificates-file", c.ca)), COUNT);
        // The name checked is the one written in -u, though localhost is dialled as 127.0.0.1.
        const byName = s.url.replace("127.0.0.1", "localhost");
        equal(okRun(await run(byName, "--ssl-https-ca-certificates-file", c.ca)), COUNT);
        equal((await s.groundTruth("simple")).successCount, 2 * COUNT);

        const wrong = await run(s.url, "--ssl-https-ca-certificates-file", c.otherCa);
        failed(wrong, s.url, "certificate not trusted", "UnknownIssuer");
        // Verification is on by default: Deno's roots do not know the test CA.
        failed(await run(s.url), s.url, "certificate not trusted");
        // Deno cannot skip chain checks per connection: the error names the process flag.
        const peer0 = await run(s.url, "--ssl-https-verify-peer", "0");
        failed(peer0, "--unsafely-ignore-certificate-errors=127.0.0.1");
        equal((await s.groundTruth("simple")).successCount, 2 * COUNT);
      })
    ),
});

Deno.test({
  name: "HTTPS: a certificate for another name fails unless --ssl-https-verify-host 0",
  ignore: !OPENSSL,
  fn: () =>
    withCerts((c) =>
      withServer({ tls: { certFile: c.wrongNameCert, keyFile: c.wrongNameKey } }, async (s) => {
        const ca = ["--ssl-https-ca-certificates-file", c.ca];
        failed(await run(s.url, ...ca), s.url, "certificate name mismatch", "other.example");
        failed(await run(s.url, ...ca, "--ssl-https-verify-host", "2"), "name mismatch");
        equal(okRun(await run(s.url, ...ca, "--ssl-https-verify-host", "0")), COUNT);
        // Relaxing the name does not relax the chain.
        const otherCa = ["--ssl-https-ca-certificates-file", c.otherCa];
        failed(await run(s.url, ...otherCa, "--ssl-https-verify-host", "0"), "not trusted");
        equal((await s.groundTruth("simple")).successCount, COUNT);
      })
    ),
});

Deno.test({
  name: "HTTPS mutual TLS: the client certificate is accepted, a missing one rejected",
  ignore: !OPENSSL,
  fn: () =>
    withCerts((c) =>
      withServer(
        { tls: { certFile: c.serverCert, keyFile: c.serverKey, clientCaFile: c.ca } },
        async (s) => {
          const ca = ["--ssl-https-ca-certificates-file", c.ca];
          const mine = [
            "--ssl-https-client-certificate-file",
            c.clientCert,
            "--ssl-https-private-key-file",
            c.clientKey,
          ];
          equal(okRun(await run(s.url, ...ca, ...mine)), COUNT);
          failed(await run(s.url, ...ca), s.url, "requires a client certificate");
          equal((await s.groundTruth("simple")).successCount, COUNT);
        },
      )
    ),
});

Deno.test({
  name: "HTTPS verify-peer 0 works when Deno runs with --unsafely-ignore-certificate-errors",
  ignore: !OPENSSL,
  fn: () =>
    withCerts((c) =>
      withServer({ tls: { certFile: c.serverCert, keyFile: c.serverKey } }, async (s) => {
        const main = new URL("../main.ts", import.meta.url).pathname;
        const child = new Deno.Command(Deno.execPath(), {
          args: [
            "run",
            "-A",
            "--unsafely-ignore-certificate-errors=127.0.0.1",
            main,
            "-m",
            "simple",
            "-u",
            s.url,
            "--request-count",
            String(COUNT),
            "--ssl-https-verify-peer",
            "0",
          ],
          stdin: "null",
          stdout: "piped",
          stderr: "piped",
          signal: AbortSignal.timeout(30_000),
        });
        const out = await child.output();
        const stdout = new TextDecoder().decode(out.stdout);
        equal(out.code, 0, new TextDecoder().decode(out.stderr));
        equal(numberAfter(stdout, "Request count: "), COUNT);
        equal((await s.groundTruth("simple")).successCount, COUNT);
        match(stdout, /Throughput: /);
      })
    ),
});
