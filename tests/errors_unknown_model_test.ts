/**
 * An unknown -m: the server's refusal, then the models its repository index lists (POST
 * /v2/repository/index over HTTP, RepositoryIndex over gRPC). A server without the index
 * (the reference server in its bare KServe mode) leaves the refusal as it is.
 */
import assert from "node:assert/strict";
import { runCli, withServer } from "./cli_harness.ts";
import { startPeer } from "../backends/triton/testing/grpc_peer.ts";
import { MODELS } from "../server/mod.ts";

const RUN = ["--request-count", "5"];
const REFUSED = "error: failed to get model metadata: Request for unknown model: 'nosuch' is " +
  "not found";

Deno.test("the reference server's index lists its models after the refusal (HTTP and gRPC)", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    const listed = `${REFUSED}. The server has: ${
      MODELS.map((m) => m.name).join(", ")
    }. Pass one of them with -m\n`;
    const http = await runCli(["-m", "nosuch", "-u", server.url, ...RUN]);
    assert.equal(http.code, 99, http.stderr);
    assert.equal(http.stderr, listed);
    const grpc = await runCli(
      ["-m", "nosuch", "-u", `127.0.0.1:${server.grpcPort}`, "-i", "grpc", ...RUN],
    );
    assert.equal(grpc.code, 99, grpc.stderr);
    assert.equal(grpc.stderr, listed);
  });
});

Deno.test("a server without a repository index: its refusal as it is (HTTP and gRPC)", async () => {
  await withServer({ grpcPort: 0, noConfig: true }, async (server) => {
    const http = await runCli(["-m", "nosuch", "-u", server.url, ...RUN]);
    assert.equal(http.code, 99, http.stderr);
    assert.equal(http.stderr, REFUSED + "\n");
    const grpc = await runCli(
      ["-m", "nosuch", "-u", `127.0.0.1:${server.grpcPort}`, "-i", "grpc", ...RUN],
    );
    assert.equal(grpc.code, 99, grpc.stderr);
    assert.equal(grpc.stderr, REFUSED + "\n");
  });
});

/** A KServe v2 HTTP server with an index: `nosuch` is refused as Triton refuses it. */
function indexedHttpServer(): Deno.HttpServer<Deno.NetAddr> {
  const json = (status: number, body: unknown) =>
    new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  return Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    const path = new URL(req.url).pathname;
    if (path === "/v2") return json(200, { name: "indexed", extensions: [] });
    if (path === "/v2/repository/index" && req.method === "POST") {
      return json(200, [
        { name: "simple", version: "1", state: "READY" },
        { name: "simple", version: "2", state: "READY" },
        { name: "broken", version: "1", state: "UNAVAILABLE", reason: "load failed" },
        { name: "resnet50", version: "1", state: "READY" },
      ]);
    }
    if (path === "/v2/models/broken") {
      return json(400, { error: "Request for unknown model: 'broken' is not found" });
    }
    return json(400, { error: "Request for unknown model: 'nosuch' is not found" });
  });
}

Deno.test("HTTP: an unknown model lists the server's models; a broken one says its state", async () => {
  const server = indexedHttpServer();
  try {
    const url = `127.0.0.1:${server.addr.port}`;
    const r = await runCli(["-m", "nosuch", "-u", url, ...RUN]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      `${REFUSED}. The server has: simple, broken (UNAVAILABLE), resnet50. Pass one of them ` +
        "with -m\n",
    );
    const broken = await runCli(["-m", "broken", "-u", url, ...RUN]);
    assert.equal(
      broken.stderr,
      "error: failed to get model metadata: Request for unknown model: 'broken' is not found. " +
        "The server lists 'broken' as UNAVAILABLE (load failed): check its load in the " +
        "server's log\n",
    );
  } finally {
    await server.shutdown();
  }
});

Deno.test("gRPC: an unknown model lists the models of RepositoryIndex", async () => {
  const peer = await startPeer({
    index: [{ name: "simple", version: "1", state: "READY" }, { name: "other", state: "READY" }],
  });
  try {
    const r = await runCli(["-m", "missing", "-u", peer.url, "-i", "grpc", ...RUN]);
    assert.equal(r.code, 99, r.stderr);
    assert.equal(
      r.stderr,
      "error: failed to get model metadata: Request for unknown model: 'missing' is not found. " +
        "The server has: simple, other. Pass one of them with -m\n",
    );
  } finally {
    await peer.close();
  }
});
