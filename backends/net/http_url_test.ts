import assert from "node:assert/strict";
import { RunError } from "../../core/errors.ts";
import { parseServerUrl } from "./http_url.ts";

Deno.test("host:port, http:// and IPv6 forms parse; localhost pins to 127.0.0.1", () => {
  assert.deepEqual(parseServerUrl("localhost:8000"), {
    hostname: "127.0.0.1",
    port: 8000,
    hostHeader: "localhost:8000",
    defaulted: false,
  });
  assert.deepEqual(parseServerUrl("http://10.0.0.2:9000/"), {
    hostname: "10.0.0.2",
    port: 9000,
    hostHeader: "10.0.0.2:9000",
    defaulted: false,
  });
  assert.deepEqual(parseServerUrl("[::1]:8000"), {
    hostname: "::1",
    port: 8000,
    hostHeader: "[::1]:8000",
    defaulted: false,
  });
  assert.equal(parseServerUrl("example.com").port, 80);
  assert.equal(parseServerUrl("example.com").defaulted, true);
});

Deno.test("https URLs default to port 443", () => {
  assert.equal(parseServerUrl("https://h").port, 443);
  assert.equal(parseServerUrl("HTTPS://h:8443").port, 8443);
});

Deno.test("path prefixes and bad ports are clear RunErrors", () => {
  assert.throws(
    () => parseServerUrl("ftp://h:443"),
    (e) => e instanceof RunError && /unsupported URL scheme/.test(e.message),
  );
  assert.throws(() => parseServerUrl("http://h:8000/prefix"), /path prefixes are not supported/);
  assert.throws(() => parseServerUrl("h:99999"), /invalid port/);
  assert.throws(() => parseServerUrl("h:"), /missing port/);
  assert.throws(() => parseServerUrl("grpc://h:1"), /unsupported URL scheme/);
});
