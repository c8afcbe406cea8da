import { deepStrictEqual as assertEquals, equal, match, ok, throws } from "node:assert/strict";
import { RunError } from "../../core/errors.ts";
import { resolveHttpTarget } from "./http_url.ts";
import { loadTls } from "./tls_files.ts";
import { tlsAlertFailure } from "../../wire/net/tls_connect.ts";
import { TransportError } from "../../wire/net/transport_error.ts";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const files: Record<string, string> = { "/ca.pem": PEM, "/c.pem": PEM, "/k.pem": PEM };
const read = (p: string) => {
  if (p in files) return files[p];
  if (p === "/der.bin") return "0\x82\x01";
  throw new Deno.errors.NotFound(`No such file: ${p}`);
};

Deno.test("loadTls reads each file once into PEM strings", () => {
  const m = loadTls(
    {
      caFile: "/ca.pem",
      certFile: "/c.pem",
      keyFile: "/k.pem",
      verifyPeer: true,
      verifyHost: false,
    },
    "example.com",
    "https://example.com",
    read,
  );
  assertEquals(m.caCerts, [PEM]);
  equal(m.cert, PEM);
  equal(m.key, PEM);
  equal(m.verifyHost, false);
  equal(m.serverName, "example.com");
});

Deno.test("loadTls: unreadable, non-PEM and half client-certificate input are RunErrors", () => {
  const base = { verifyPeer: true, verifyHost: true };
  throws(
    () => loadTls({ ...base, caFile: "/none" }, "h", "u", read),
    (e) => e instanceof RunError && /cannot read CA certificate file '\/none'/.test(e.message),
  );
  throws(
    () => loadTls({ ...base, caFile: "/der.bin" }, "h", "u", read),
    (e) => e instanceof RunError && /is not PEM.*openssl x509 -inform DER/.test(e.message),
  );
  throws(() => loadTls({ ...base, certFile: "/c.pem" }, "h", "u", read), /needs both/);
});

Deno.test("resolveHttpTarget: https means TLS checked against the host as written", () => {
  const t = resolveHttpTarget("https://localhost:8443", undefined);
  equal(t.hostname, "127.0.0.1");
  equal(t.tls?.serverName, "localhost");
  equal(t.tls?.verifyPeer, true);
  equal(resolveHttpTarget("[::1]:9", undefined).tls, undefined);
  equal(resolveHttpTarget("https://[::1]", undefined).tls?.serverName, "::1");
  throws(
    () => resolveHttpTarget("h:1", { verifyPeer: false, verifyHost: true }),
    /not an https:\/\/ URL/,
  );
});

Deno.test("TLS alerts on reads are explained; other errors are left alone", () => {
  const m = loadTls({ verifyPeer: true, verifyHost: true }, "h", "https://h:1", read);
  const alert = tlsAlertFailure(
    new Error("received fatal alert: CertificateRequired"),
    m,
    true,
    false,
  );
  ok(alert instanceof TransportError);
  match(alert.message, /^TLS with https:\/\/h:1 failed: the server requires a client certificate/);
  match(alert.message, /--ssl-https-client-certificate-file/);
  const eof = new Error("peer closed connection without sending TLS close_notify");
  equal(tlsAlertFailure(eof, m, true, false), undefined);
  match(tlsAlertFailure(eof, m, false, true)!.message, /--ssl-grpc-certificate-chain-file/);
  equal(tlsAlertFailure(new Error("Connection reset by peer"), m, true, true), undefined);
});
