/**
 * The fault cases: the CLI in a child process against small misbehaving peers on loopback (a
 * Triton-shaped HTTP server whose replies break the framing, a Triton gRPC fake whose replies
 * are not what they claim or that sends GOAWAY on cue) and hostile input files. Each case says
 * what the run must show. tests/fault_peers_test.ts runs every case as a test; the matrix
 * script (scripts/fault_matrix.ts) runs them and sorts the outcomes into clean, hang, crash,
 * wrong and unbounded memory. Not a test itself.
 */
import assert from "node:assert/strict";
import { startRawServer, writeAll } from "../wire/http1/testing/raw_server.ts";
import type { FakeReply } from "../backends/net/testing/h2_fake.ts";
import { inferOk, startTritonFake } from "../backends/triton/testing/h2_triton_fake.ts";
import { type ChildRun, runChild } from "./child_process.ts";

/** The README's exit codes of a run (130 is the first Ctrl-C, which no case sends). */
export const EXIT_CODES: ReadonlySet<number> = new Set([0, 2, 3, 4, 99]);

/** A stack trace line, or the catch-all's words: what a user must never see. */
export const CRASH = /^\s+at .*:\d+:\d+\)?$|unexpected failure|Uncaught/m;

/** What a case's run produced: the child's output and how many inferences the peer answered. */
export interface FaultRun extends ChildRun {
  inferCalls: number;
}

export interface FaultCase {
  readonly name: string;
  /** Starts the peer; the run's arguments come with it. */
  start(): Promise<FaultSetup> | FaultSetup;
}

export interface FaultSetup {
  readonly args: string[];
  /** Throws (an AssertionError) when the run did not do what it must. */
  check(r: FaultRun): void;
  inferCalls(): number;
  close(): Promise<void>;
}

/** Runs a case's CLI once against its peer and stops the peer. */
export async function runCase(
  c: FaultCase,
  options: { timeoutMs?: number; sampleRss?: boolean } = {},
): Promise<{ run: FaultRun; setup: FaultSetup }> {
  const setup = await c.start();
  try {
    const child = await runChild(setup.args, {
      timeoutMs: options.timeoutMs ?? 30_000,
      ...options,
    });
    return { run: { ...child, inferCalls: setup.inferCalls() }, setup };
  } finally {
    await setup.close();
  }
}

const METADATA = JSON.stringify({
  name: "m",
  versions: ["1"],
  platform: "fake",
  inputs: [{ name: "IN", datatype: "INT32", shape: [4] }],
  outputs: [{ name: "OUT", datatype: "INT32", shape: [4] }],
});
const INFER_OK = '{"model_name":"m","outputs":[]}';

const reply = (status: string, body: string) =>
  `HTTP/1.1 ${status}\r\nContent-Length: ${new TextEncoder().encode(body).length}\r\n\r\n${body}`;

/** perf_analyzer's verdict when every request of the window failed, with the cause first. */
function noValid(cause: string): string {
  return "error: No valid requests recorded within time interval. All 5 requests that ended in " +
    `it failed; most often (5×): ${cause}. Fix that first: a larger time window helps only when ` +
    "requests take longer than the window.\n";
}

/** The run ended by itself, every request failed, and the verdict names `cause`. */
function allFailed(cause: string) {
  return (r: FaultRun) => {
    assert.equal(r.timedOut, false, "the run must end by itself");
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.endsWith(noValid(cause)), r.stderr);
  };
}

/** The run ended by itself with exit 0 and `count` requests reported. */
function succeeded(count: number) {
  return (r: FaultRun) => {
    assert.equal(r.timedOut, false, "the run must end by itself");
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^ {4}Request count: ${count}$`, "m"));
  };
}

/**
 * `-m m --request-count 5` against a Triton-shaped HTTP peer that answers each inference with
 * `infer` (or what it returns for the 1-based call number), the metadata request with
 * `metadata`, and statistics with `stats` (404 when not given).
 */
function httpCase(
  name: string,
  infer: string | ((call: number) => string),
  check: (r: FaultRun) => void,
  { metadata = METADATA, stats }: { metadata?: string; stats?: string } = {},
): FaultCase {
  return {
    name,
    start() {
      let calls = 0;
      const answer = typeof infer === "string" ? () => infer : infer;
      const peer = startRawServer(async (conn, reader) => {
        for (let req; (req = await reader.next()) !== null;) {
          const [method, path] = req.head.split(" ");
          if (method === "POST") await writeAll(conn, answer(++calls));
          else if (path === "/v2/models/m") await writeAll(conn, reply("200 OK", metadata));
          else if (path.endsWith("/stats") && stats !== undefined) {
            await writeAll(conn, reply("200 OK", stats));
          } else if (path === "/v2" && stats !== undefined) {
            // Statistics are asked for only of a server that lists the extension.
            await writeAll(conn, reply("200 OK", '{"name":"fake","extensions":["statistics"]}'));
          } else await writeAll(conn, reply("404 Not Found", ""));
        }
      });
      return {
        args: ["-m", "m", "-u", `127.0.0.1:${peer.port}`, "--request-count", "5"],
        check,
        inferCalls: () => calls,
        close: () => peer.close(),
      };
    },
  };
}

/** `-i grpc -m m` with `args` against the Triton gRPC fake answering inferences by `infer`. */
function grpcCase(
  name: string,
  infer: (call: number) => FakeReply,
  check: (r: FaultRun) => void,
  args = ["--request-count", "5"],
): FaultCase {
  return {
    name,
    start() {
      const peer = startTritonFake(infer);
      return {
        args: ["-i", "grpc", "-m", "m", "-u", peer.url, ...args],
        check,
        inferCalls: peer.inferCalls,
        close: () => peer.close(),
      };
    },
  };
}

/**
 * `-m m` (its input of any length after the batch) against a peer never asked to infer: the input is refused
 * first, ending the run with `line` and exit 99.
 */
function inputCase(name: string, args: (dir: string) => string[], line: (dir: string) => string) {
  const metadata = METADATA.replace('"shape":[4]}', '"shape":[-1,-1]}');
  return {
    name,
    async start(): Promise<FaultSetup> {
      const dir = await Deno.makeTempDir({ prefix: "pa_fault_" });
      const setup = await httpCase(name, reply("200 OK", INFER_OK), () => {}, { metadata })
        .start();
      return {
        args: [...setup.args, ...args(dir)],
        check(r: FaultRun) {
          assert.equal(r.timedOut, false, "the run must end by itself");
          // The peer has no config or statistics: warnings about that may come first.
          assert.ok(r.stderr.endsWith(`\n${line(dir)}\n`), r.stderr);
          assert.equal(r.stderr.match(/^error: /gm)?.length, 1, r.stderr);
          assert.equal(r.code, 99);
          assert.equal(r.inferCalls, 0, "no request was sent");
        },
        inferCalls: setup.inferCalls,
        close: async () => {
          await setup.close();
          await Deno.remove(dir, { recursive: true });
        },
      };
    },
  };
}

/** A Content-Length 20 bytes short of the body it comes with. */
const SHORT = `HTTP/1.1 200 OK\r\nContent-Length: ${INFER_OK.length - 20}\r\n\r\n${INFER_OK}`;
const DEEP = 100_000;

/** The GOAWAY case: each connection's 25th call is answered with a GOAWAY naming it last. */
function goawayCase(streaming: boolean): FaultCase {
  const ok = inferOk();
  return grpcCase(
    `gRPC calls a graceful GOAWAY refused are sent again (${
      streaming ? "streaming" : "unary"
    }): no failures, every call processed once`,
    (call) => call % 25 === 0 ? "goaway" : { message: ok },
    (r) => {
      succeeded(200)(r);
      assert.doesNotMatch(r.stdout, /Failed requests/);
      assert.equal(r.inferCalls, 200, "the peer processed exactly the calls the tool counted");
    },
    [
      ...["--concurrency-range", "8", "--request-count", "200"],
      ...(streaming ? ["--streaming"] : []),
    ],
  );
}

export function faultCases(): FaultCase[] {
  const ok = inferOk();
  return [
    httpCase(
      "ten interim 100 responses fail each request instead of deadlocking the connection",
      "HTTP/1.1 100 Continue\r\n\r\n".repeat(10) + reply("200 OK", INFER_OK),
      allFailed("more than 8 interim (1xx) responses"),
    ),
    httpCase(
      "eight interim 100 responses are skipped and every request succeeds",
      "HTTP/1.1 100 Continue\r\n\r\n".repeat(8) + reply("200 OK", INFER_OK),
      succeeded(5),
    ),
    httpCase(
      "a reply announcing a terabyte body fails at the response cap, nothing buffered",
      "HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n{",
      allFailed("response larger than 1073741824 bytes (the cap)"),
    ),
    httpCase(
      "metadata announcing a 10^12-element input is refused naming it, no allocation",
      reply("200 OK", INFER_OK),
      (r) => {
        assert.equal(r.timedOut, false);
        assert.equal(r.code, 99);
        assert.ok(
          r.stderr.endsWith(
            "error: input IN: 4000000000000 bytes per request (INT32 [1,1,1000000000000], shape " +
              "from the model's metadata), over the limit of 1073741824 bytes per input\n",
          ),
          r.stderr,
        );
      },
      { metadata: METADATA.replace('"shape":[4]}', '"shape":[-1,1,1000000000000]}') },
    ),
    httpCase(
      "statistics with a counter that is not a safe whole number: a warning, no Server block",
      reply("200 OK", INFER_OK),
      (r) => {
        succeeded(5)(r);
        assert.match(
          r.stderr,
          /^Warning: server statistics unusable \(failed to get model statistics: inference_count of 'm' is "many", not a whole number from 0 to 2\^53 - 1\); no server-side breakdown will be reported\.$/m,
        );
        assert.doesNotMatch(r.stdout, /^ {2}Server: $/m);
      },
      {
        stats: JSON.stringify({
          model_stats: [{
            name: "m",
            version: "1",
            inference_count: "many",
            execution_count: 2 ** 60,
          }],
        }),
      },
    ),
    httpCase(
      "a 200 reply that is not JSON is a failure",
      reply("200 OK", "{this is not json"),
      allFailed("inference response JSON is cut short (no closing brace)"),
    ),
    httpCase(
      "a 200 reply whose Inference-Header-Content-Length cuts the JSON is a failure",
      "HTTP/1.1 200 OK\r\nInference-Header-Content-Length: 10\r\nContent-Length: 31\r\n\r\n" +
        INFER_OK,
      allFailed("inference response JSON is cut short (no closing brace)"),
    ),
    httpCase(
      "a 200 reply announcing more binary output than its body holds is a failure",
      reply("200 OK", '{"outputs":[{"parameters":{"binary_data_size":8}}]}'),
      allFailed("inference response announces 8 bytes of binary outputs, the body holds 0"),
    ),
    httpCase(
      "a Content-Length 20 bytes short fails that request only: the next reply is a success",
      (call) => call === 2 ? SHORT : reply("200 OK", INFER_OK),
      (r) => {
        succeeded(4)(r);
        assert.match(
          r.stdout,
          /^ {4}Failed requests: 1 \(inference response JSON is cut short \(no closing brace\): 1\)$/m,
        );
      },
    ),
    grpcCase(
      "a gRPC reply that is not protobuf is a failure",
      () => ({ message: new TextEncoder().encode("this is not protobuf") }),
      allFailed("malformed ModelInferResponse: unsupported wire type 4"),
    ),
    grpcCase(
      "a gRPC stream's infer_response that is not protobuf is a failure",
      () => ({ message: new TextEncoder().encode("this is not protobuf") }),
      allFailed("malformed ModelInferResponse: unsupported wire type 4"),
      ["--streaming", "--request-count", "5"],
    ),
    grpcCase(
      "a gRPC reply cut short is a failure",
      () => ({ message: ok.subarray(0, ok.length - 3) }),
      allFailed("malformed ModelInferResponse: field length exceeds the message"),
    ),
    grpcCase(
      "a gRPC reply flagged compressed without grpc-encoding is a failure",
      () => ({ message: ok, compressed: true }),
      allFailed(
        "cannot decompress a response: a compressed message, but the response has no " +
          "grpc-encoding",
      ),
    ),
    grpcCase(
      "well-formed gRPC replies from the fake all succeed",
      () => ({ message: ok }),
      succeeded(5),
    ),
    goawayCase(false),
    goawayCase(true),
    inputCase(
      "--input-data /dev/zero is refused at once instead of read forever",
      () => ["--input-data", "/dev/zero"],
      () => "error: --input-data /dev/zero: a character device; input files must be regular files",
    ),
    inputCase(
      "a 100,000-deep --input-data JSON is one line, not a stack overflow",
      (dir) => {
        Deno.writeTextFileSync(`${dir}/d.json`, "[".repeat(DEEP) + "]".repeat(DEEP));
        return ["--input-data", `${dir}/d.json`];
      },
      (dir) =>
        `error: ${dir}/d.json: expected a JSON object with a 'data' list, got ${"[".repeat(60)}...`,
    ),
    inputCase(
      "a 10^12-element --shape is refused naming the input and its bytes",
      () => ["--shape", "IN:1000000000000"],
      () =>
        "error: input IN: 4000000000000 bytes per request (INT32 [1,1000000000000], shape " +
        "from --shape), over the limit of 1073741824 bytes per input",
    ),
  ];
}
