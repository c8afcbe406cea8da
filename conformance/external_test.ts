/**
 * `deno task conformance -u URL -m MODEL`: the suite against a server that is not the embedded
 * reference server. Against the reference server started here (so its counters still tell what
 * the protocol checks sent) and against a tiny server of a protocol of its own, written here,
 * which the example plugin (plugins/example) speaks; and the command line's one-line errors.
 */
import assert from "node:assert/strict";
import { startServer } from "../server/mod.ts";
import { conformance, HELP } from "../scripts/conformance.ts";

const EXAMPLE = `plugin:${new URL("../plugins/example/backend.ts", import.meta.url).pathname}`;

/** The checks that run against any server; all others need the reference server. */
const PROTOCOL_CHECKS = [
  "describe reports the model: well formed, and the same when asked again",
  "a request prepared once is sent many times, each answered",
  "many concurrent channels: every request answered once",
  "a closed channel resolves sends as cancelled",
  "an unreachable peer is a RunError from describe or a transport_error outcome",
];
/** Requests the protocol checks send: 5 on one channel, then 5 on each of 8. */
const SENT = 5 + 8 * 5;

async function run(argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await conformance(argv, (l) => lines.push(...l.split("\n")));
  return { code, lines };
}

const titles = (lines: string[], mark: string) =>
  lines.filter((l) => l.startsWith(`  ${mark}  `)).map((l) => l.slice(8).replace(/ \(.*$/, ""));

/** Every skipped check says it needs the reference server's ground truth, and what. */
function assertSkippedForTruth(lines: string[]): void {
  const skipped = lines.filter((l) => l.startsWith("  skip  "));
  assert.equal(skipped.length, 17, lines.join("\n"));
  for (const l of skipped) {
    assert.match(l, /\(needs the reference server's ground truth: [a-z].*\)$/, l);
  }
}

Deno.test("conformance -u: the reference server as any server, its ground truth skipped", async () => {
  const server = await startServer({ grpcPort: 0 });
  try {
    const http = await run([EXAMPLE, "-u", `http://${server.url}`, "-m", "simple"]);
    assert.equal(http.code, 0, http.lines.join("\n"));
    assert.match(http.lines[0], /against http:\/\/127\.0\.0\.1:\d+, model 'simple'$/);
    assert.deepEqual(titles(http.lines, "pass"), PROTOCOL_CHECKS);
    assertSkippedForTruth(http.lines);
    assert.equal(http.lines.at(-1), "5 passed, 0 failed, 17 skipped");
    // The server counted exactly what the protocol checks sent, and nothing else.
    assert.equal(server.groundTruth("simple").successCount, SENT);

    // A built-in kind over gRPC, streaming: the URL's scheme picks the protocol.
    const grpc = await run([
      "triton",
      "-u",
      `grpc://${server.grpcUrl}`,
      "-m",
      "simple",
      "--streaming",
    ]);
    assert.equal(grpc.code, 0, grpc.lines.join("\n"));
    assert.match(grpc.lines[0], /-i grpc, streaming\) against 127\.0\.0\.1:\d+, model 'simple'$/);
    assert.deepEqual(titles(grpc.lines, "pass"), PROTOCOL_CHECKS);
    assert.equal(server.groundTruth("simple").successCount, 2 * SENT);
  } finally {
    await server.close();
  }
});

/**
 * A server of the example plugin's protocol and nothing else: one model, `tiny`, whose FP32
 * input X of 4 elements is answered with its sum; `broken` answers every inference with 500.
 */
function tinyServer(broken = false) {
  let answered = 0;
  const metadata = {
    name: "tiny",
    platform: "tiny",
    inputs: [{ name: "X", datatype: "FP32", shape: [4] }],
    outputs: [{ name: "SUM", datatype: "FP32", shape: [1] }],
  };
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/v2/models/tiny") return Response.json(metadata);
    if (req.method === "GET" && path === "/v2/models/tiny/config") {
      return Response.json({ max_batch_size: 0 });
    }
    if (req.method !== "POST" || path !== "/predictions/tiny") {
      await req.body?.cancel();
      return Response.json({ error: `no route ${req.method} ${path}` }, { status: 404 });
    }
    const { X } = await req.json();
    if (broken) return Response.json({ error: "out of order" }, { status: 500 });
    if (!Array.isArray(X) || X.length !== 4 || !X.every((x) => typeof x === "number")) {
      return Response.json({ error: "X must be 4 numbers" }, { status: 400 });
    }
    answered++;
    return Response.json({ SUM: [X.reduce((a, b) => a + b, 0)] });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    answered: () => answered,
    close: () => server.shutdown(),
  };
}

Deno.test("conformance -u: the example plugin against a server of its own protocol", async () => {
  const tiny = tinyServer();
  try {
    const r = await run([EXAMPLE, "-u", tiny.url, "-m", "tiny"]);
    assert.equal(r.code, 0, r.lines.join("\n"));
    assert.deepEqual(titles(r.lines, "pass"), PROTOCOL_CHECKS);
    assertSkippedForTruth(r.lines);
    assert.equal(r.lines.at(-1), "5 passed, 0 failed, 17 skipped");
    assert.equal(tiny.answered(), SENT);
  } finally {
    await tiny.close();
  }
});

Deno.test("conformance -u: a server that refuses every inference fails the checks, exit 1", async () => {
  const tiny = tinyServer(true);
  try {
    const r = await run([EXAMPLE, "-u", tiny.url, "-m", "tiny"]);
    assert.equal(r.code, 1, r.lines.join("\n"));
    assert.deepEqual(titles(r.lines, "FAIL"), PROTOCOL_CHECKS.slice(1, 3));
    assert.ok(r.lines.some((l) => l.includes("HTTP 500")), r.lines.join("\n"));
    assert.equal(r.lines.at(-1), "3 passed, 2 failed, 17 skipped");
  } finally {
    await tiny.close();
  }
});

Deno.test("conformance: bad arguments are one line each, exit 2; --help explains", async () => {
  const cases: [string[], RegExp][] = [
    [
      ["triton", "--straeming"],
      /^error: unknown option --straeming\. Did you mean "--streaming"\?/,
    ],
    [["triton", "-x"], /^error: unknown option -x\. \(see deno task conformance --help\)$/],
    [
      ["triton", "-u", "127.0.0.1:8000", "-m", "simple"],
      /^error: -u needs a URL with its scheme: http:\/\/host:port, .* \(got "127\.0\.0\.1:8000"\)$/,
    ],
    [["triton", "-u", "http://127.0.0.1:8000"], /^error: -u needs -m <model>/],
    [["triton", "-m", "simple"], /^error: -m needs -u <URL>/],
    [["triton", "-u"], /^error: -u needs a value$/],
    [
      ["triton", "-i", "grpc", "-u", "http://127.0.0.1:8000", "-m", "simple"],
      /^error: -i grpc does not match -u http:\/\/127\.0\.0\.1:8000 \(http\)$/,
    ],
    [["triton", "tfserving"], /^error: expected one service kind, got triton tfserving/],
    [
      ["triton_c_api", "-u", "http://127.0.0.1:8000", "-m", "simple"],
      /^error: triton_c_api runs in-process: there is no server for -u to name$/,
    ],
    // Nothing listens on port 1: the model cannot be described, so no check runs.
    [
      [EXAMPLE, "-u", "http://127.0.0.1:1", "-m", "tiny"],
      /^error: cannot describe model 'tiny' at http:\/\/127\.0\.0\.1:1: example plugin: cannot reach/,
    ],
  ];
  for (const [argv, message] of cases) {
    const r = await run(argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.equal(r.lines.length, 1, r.lines.join("\n"));
    assert.match(r.lines[0], message);
  }
  const help = await run(["--help"]);
  assert.equal(help.code, 0);
  assert.deepEqual(help.lines, HELP.split("\n"));
  for (const part of ["-u <URL>", "-m <model>", "--streaming", "Exit code:", "Examples:"]) {
    assert.ok(HELP.includes(part), part);
  }
  assert.match(HELP, /deno task conformance plugin:\S+ -u http:\/\/127\.0\.0\.1:\d+ -m \w+/);
});
