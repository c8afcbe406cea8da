import { deepStrictEqual as assertEquals, match } from "node:assert/strict";
import { UsageError } from "../errors.ts";
import { parseCommandLine } from "./command_line.ts";
import type { RunConfig } from "./config.ts";
import { TEST_KINDS } from "../testing/kinds.ts";

/** A real file for the flags that must name one. */
const FILE = new URL(import.meta.url).pathname;

function configOf(args: string[]): RunConfig {
  const r = parseCommandLine(["-m", "simple", ...args], TEST_KINDS);
  if (r.action !== "run") throw new Error(`expected a run, got ${r.action}`);
  return r.config;
}

function errorOf(args: string[]): string {
  try {
    parseCommandLine(["-m", "simple", ...args], TEST_KINDS);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error(`no error for ${args.join(" ")}`);
}

Deno.test("no TLS flags: no tls options (an https URL still means TLS in the backend)", () => {
  assertEquals(configOf([]).tls, undefined);
  assertEquals(configOf(["-u", "https://h:8443"]).tls, undefined);
  assertEquals(configOf(["-i", "grpc"]).tls, undefined);
});

Deno.test("HTTPS flags map to verification switches; 1 and 2 both check the host", () => {
  const https = ["-u", "https://h:8443"];
  assertEquals(configOf([...https, "--ssl-https-verify-host", "1"]).tls, {
    caFile: undefined,
    certFile: undefined,
    keyFile: undefined,
    verifyPeer: true,
    verifyHost: true,
  });
  const relaxed = configOf([
    ...https,
    "--ssl-https-verify-peer",
    "0",
    "--ssl-https-verify-host",
    "0",
    "--ssl-https-ca-certificates-file",
    FILE,
    "--ssl-https-client-certificate-file",
    FILE,
    "--ssl-https-private-key-file",
    FILE,
    "--ssl-https-client-certificate-type",
    "PEM",
  ]).tls;
  assertEquals(relaxed, {
    caFile: FILE,
    certFile: FILE,
    keyFile: FILE,
    verifyPeer: false,
    verifyHost: false,
  });
});

Deno.test("gRPC: --ssl-grpc-use-ssl turns TLS on with the given files", () => {
  const tls = configOf([
    "-i",
    "grpc",
    "--ssl-grpc-use-ssl",
    "--ssl-grpc-root-certifications-file",
    FILE,
  ]).tls;
  assertEquals(tls, {
    caFile: FILE,
    certFile: undefined,
    keyFile: undefined,
    verifyPeer: true,
    verifyHost: true,
  });
});

Deno.test("bad TLS values and combinations are clear usage errors", () => {
  const https = ["-u", "https://h:1"];
  assertEquals(
    errorOf([...https, "--ssl-https-verify-peer", "2"]),
    "--ssl-https-verify-peer must be 0 or 1 (got '2').",
  );
  assertEquals(
    errorOf([...https, "--ssl-https-verify-host", "3"]),
    "--ssl-https-verify-host must be 0, 1, or 2 (got '3').",
  );
  match(
    errorOf([...https, "--ssl-https-private-key-type", "DER"]),
    /DER is not supported.*openssl pkey -inform DER/,
  );
  match(
    errorOf([...https, "--ssl-https-client-certificate-type", "DER"]),
    /openssl x509 -inform DER/,
  );
  match(errorOf([...https, "--ssl-https-client-certificate-type", "XML"]), /"PEM" or "DER"/);
  assertEquals(
    errorOf([...https, "--ssl-https-ca-certificates-file", "/no/such.pem"]),
    "--ssl-https-ca-certificates-file must be a valid file path (got '/no/such.pem').",
  );
  match(errorOf(["-u", "h:1", "--ssl-https-verify-peer", "0"]), /need an https:\/\/ URL/);
  match(
    errorOf([...https, "--ssl-https-client-certificate-file", FILE]),
    /--ssl-https-private-key-file is missing/,
  );
  match(errorOf(["--ssl-grpc-use-ssl"]), /only allowed with gRPC protocol/);
  match(errorOf(["-i", "grpc", "--ssl-https-verify-peer", "0"]), /only allowed with HTTP/);
  match(
    errorOf(["-i", "grpc", "--ssl-grpc-root-certifications-file", FILE]),
    /require --ssl-grpc-use-ssl/,
  );
  match(errorOf(["-i", "grpc", "-u", "https://h:1", "--ssl-grpc-use-ssl"]), /host:port/);
  match(
    errorOf(["-i", "grpc", "--ssl-grpc-use-ssl", "--ssl-grpc-private-key-file", FILE]),
    /--ssl-grpc-certificate-chain-file is missing/,
  );
});
