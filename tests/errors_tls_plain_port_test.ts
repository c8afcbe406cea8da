/**
 * TLS to a port that speaks plain text: the reference server's HTTP and gRPC ports answer a
 * ClientHello in plain text, and the error asks whether the port speaks plain HTTP (or
 * plain-text gRPC) and says which flag to drop.
 */
import assert from "node:assert/strict";
import { runCli, withServer } from "./cli_harness.ts";

const RUN = ["-m", "simple", "--request-count", "5"];

Deno.test("https:// to a plain HTTP port: drop https://", async () => {
  await withServer({}, async (server) => {
    const address = `127.0.0.1:${server.httpPort}`;
    const r = await runCli([...RUN, "-u", `https://${address}`]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: HTTP client failed: TLS handshake with " +
        `https://${address} failed: received corrupt message of type InvalidContentType: the ` +
        `server answered without TLS. Does ${address} speak plain HTTP? Then drop https:// ` +
        "from -u\n",
    );
  });
});

Deno.test("--ssl-grpc-use-ssl to a plain-text gRPC port: drop the flag", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    const address = `127.0.0.1:${server.grpcPort}`;
    const r = await runCli([...RUN, "-u", address, "-i", "grpc", "--ssl-grpc-use-ssl"]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      `error: failed to get model metadata: TLS handshake with ${address} failed: received ` +
        "corrupt message of type InvalidContentType: the server answered without TLS. Does " +
        `${address} speak plain-text gRPC? Then drop --ssl-grpc-use-ssl\n`,
    );
  });
});
