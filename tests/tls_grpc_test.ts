/**
 * gRPC over TLS end to end (--ssl-grpc-use-ssl): the CLI in-process against the reference
 * server's TLS front (ALPN h2), unary and streaming, with openssl-made certificates. Counts are
 * checked against the server's ground truth; failures are one line naming the URL and reason.
 */
import { equal } from "node:assert/strict";
import { runCli, withServer } from "./cli_harness.ts";
import { failed, okRun, withCerts } from "./tls_cli.ts";
import { haveOpenssl } from "./tls_certs.ts";

const OPENSSL = haveOpenssl();
if (!OPENSSL) console.warn("tls_grpc_test: openssl not found, TLS tests skipped");

const COUNT = 30;

const run = (url: string, ...flags: string[]) =>
  runCli([
    "-m",
    "simple",
    "-i",
    "grpc",
    "-u",
    url,
    "--request-count",
    String(COUNT),
    "--ssl-grpc-use-ssl",
    ...flags,
  ]);

Deno.test({
  name: "gRPC TLS: verified unary and streaming, by IP and by name; wrong CA rejected",
  ignore: !OPENSSL,
  fn: () =>
    withCerts((c) =>
      withServer(
        { grpcPort: 0, tls: { certFile: c.serverCert, keyFile: c.serverKey } },
        async (s) => {
          const url = s.grpcUrl!;
          const ca = ["--ssl-grpc-root-certifications-file", c.ca];
          equal(okRun(await run(url, ...ca)), COUNT);
          equal(okRun(await run(url, ...ca, "--streaming")), COUNT);
          equal(okRun(await run(url.replace("127.0.0.1", "localhost"), ...ca)), COUNT);
          equal((await s.groundTruth("simple")).successCount, 3 * COUNT);

          const wrong = ["--ssl-grpc-root-certifications-file", c.otherCa];
          failed(await run(url, ...wrong), url, "certificate not trusted", "UnknownIssuer");
          failed(await run(url), url, "certificate not trusted");
          // A cleartext client against the TLS port is refused, not silently served.
          const plain = await runCli([
            "-m",
            "simple",
            "-i",
            "grpc",
            "-u",
            url,
            "--request-count",
            "5",
          ]);
          equal(plain.code, 99, plain.stderr);
          equal((await s.groundTruth("simple")).successCount, 3 * COUNT);
        },
      )
    ),
});

Deno.test({
  name: "gRPC mutual TLS: the client chain and key are accepted, a missing one rejected",
  ignore: !OPENSSL,
  fn: () =>
    withCerts((c) =>
      withServer(
        {
          grpcPort: 0,
          tls: { certFile: c.serverCert, keyFile: c.serverKey, clientCaFile: c.ca },
        },
        async (s) => {
          const url = s.grpcUrl!;
          const ca = ["--ssl-grpc-root-certifications-file", c.ca];
          const mine = [
            "--ssl-grpc-certificate-chain-file",
            c.clientCert,
            "--ssl-grpc-private-key-file",
            c.clientKey,
          ];
          equal(okRun(await run(url, ...ca, ...mine)), COUNT);
          failed(await run(url, ...ca), url, "requires a client certificate");
          equal((await s.groundTruth("simple")).successCount, COUNT);
        },
      )
    ),
});
