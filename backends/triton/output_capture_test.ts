/**
 * captureOutputs end to end against the reference server: every channel kind (HTTP binary and
 * JSON outputs, gRPC unary and streaming on both clients) puts the exact outputs in wire form
 * into the record, and none without the option. Plus the protocol error for a 200 whose
 * outputs cannot be decoded.
 */
import assert from "node:assert/strict";
import type { Backend, RequestSpec } from "../../core/backend.ts";
import { encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { systemClock } from "../../core/clock.ts";
import { compareOutputs } from "../../core/data/output_check.ts";
import { type OutputTensor, RequestRecord } from "../../core/measure/record.ts";
import { tensorFromJson } from "../../core/data/tensor_codec.ts";
import { type ReferenceServer, startServer } from "../../server/mod.ts";
import { spec, tensor } from "../../conformance/fixture.ts";
import { httpResponse, startRawServer, writeAll } from "../../wire/http1/testing/raw_server.ts";
import { HttpChannel } from "../net/http_channel.ts";
import { tritonReplies } from "./http_replies.ts";
import { TritonGrpcBackend } from "./grpc.ts";
import type { GrpcCompression } from "../net/grpc_compression.ts";
import { createTritonHttp } from "./http.ts";
import { tritonOptions } from "./testing/options.ts";

const A = Array.from({ length: 32 }, (_, i) => i * 3 - 40);
const B = Array.from({ length: 32 }, (_, i) => 1000 - i * i);

const SIMPLE = spec(
  "simple",
  [
    tensor("INPUT0", "INT32", [2, 16], A),
    tensor("INPUT1", "INT32", [2, 16], B),
  ],
  2,
  ["OUTPUT0", "OUTPUT1"],
);

/** What the simple model must answer: sums and differences, batch dim included. */
const SIMPLE_OUTPUTS: OutputTensor[] = [
  { name: "OUTPUT0", datatype: "INT32", shape: [2, 16], bytes: int32(A.map((a, i) => a + B[i])) },
  { name: "OUTPUT1", datatype: "INT32", shape: [2, 16], bytes: int32(A.map((a, i) => a - B[i])) },
];

function int32(values: number[]): Uint8Array {
  return tensorFromJson("INT32", values);
}

const STRINGS = spec(
  "simple_string",
  [
    tensor("INPUT0", "BYTES", [1, 16], A.slice(0, 16)),
    tensor("INPUT1", "BYTES", [1, 16], B.slice(0, 16)),
  ],
  1,
  ["OUTPUT0", "OUTPUT1"],
);

const STRING_OUTPUTS: OutputTensor[] = ["OUTPUT0", "OUTPUT1"].map((name, k) => ({
  name,
  datatype: "BYTES",
  shape: [1, 16],
  bytes: encodeStringElements(A.slice(0, 16).map((a, i) => String(k ? a - B[i] : a + B[i]))),
}));

/** Sends `s` twice on one channel and returns the records (the second reuses nothing). */
async function sendTwice(
  backend: Backend,
  s: RequestSpec,
  captureOutputs: boolean,
): Promise<RequestRecord[]> {
  await backend.describe(s.model, "");
  const prepared = backend.prepare(s);
  const ch = await backend.connect({ captureOutputs });
  const records = [new RequestRecord(), new RequestRecord()];
  for (const rec of records) {
    rec.reset(0);
    await ch.send(prepared, rec);
    assert.equal(rec.outcome, "ok", rec.error);
  }
  ch.close();
  return records;
}

function assertCaptured(records: RequestRecord[], want: OutputTensor[], what: string): void {
  for (const rec of records) {
    assert.deepEqual(rec.outputs, want, what);
    const expected = new Map(want.map((t) => [t.name, t.bytes]));
    assert.equal(compareOutputs(expected, rec.outputs), undefined, what);
  }
}

async function withServer(body: (server: ReferenceServer) => Promise<void>): Promise<void> {
  const server = await startServer({ grpcPort: 0 });
  try {
    await body(server);
  } finally {
    await server.close();
  }
}

function httpBackend(server: ReferenceServer, format: "binary" | "json") {
  const own = { inputTensorFormat: format, outputTensorFormat: format };
  return createTritonHttp(tritonOptions(server.url, { own }));
}

function grpcBackend(server: ReferenceServer, compression: GrpcCompression, streaming: boolean) {
  const opts = tritonOptions(server.grpcUrl!, {
    protocol: "grpc",
    streaming,
    grpcCompression: compression,
  });
  return new TritonGrpcBackend(opts, systemClock);
}

const HTTP_FORMATS = ["binary", "json"] as const;
const GRPC_KINDS = [
  ["none", false],
  ["none", true],
  ["deflate", false],
  ["gzip", true],
] as const;

Deno.test("HTTP binary and JSON outputs are captured exactly, INT32 and BYTES", async () => {
  await withServer(async (server) => {
    for (const format of HTTP_FORMATS) {
      const backend = httpBackend(server, format);
      try {
        assertCaptured(await sendTwice(backend, SIMPLE, true), SIMPLE_OUTPUTS, `http ${format}`);
        assertCaptured(
          await sendTwice(backend, STRINGS, true),
          STRING_OUTPUTS,
          `http ${format} BYTES`,
        );
      } finally {
        await backend.close();
      }
    }
  });
});

Deno.test("gRPC unary and streaming outputs are captured exactly, compressed requests too", async () => {
  await withServer(async (server) => {
    for (const [compression, streaming] of GRPC_KINDS) {
      const what = `${compression} ${streaming ? "stream" : "unary"}`;
      const backend = grpcBackend(server, compression, streaming);
      try {
        assertCaptured(await sendTwice(backend, SIMPLE, true), SIMPLE_OUTPUTS, what);
        assertCaptured(await sendTwice(backend, STRINGS, true), STRING_OUTPUTS, `${what} BYTES`);
      } finally {
        await backend.close();
      }
    }
  });
});

Deno.test("a decoupled stream keeps the first response's outputs", async () => {
  await withServer(async (server) => {
    for (const compression of ["none", "gzip"] as const) {
      const backend = grpcBackend(server, compression, true);
      try {
        const repeat = spec("repeat_int32", [tensor("IN", "INT32", [3], [7, 8, 9])], 1);
        const [rec] = await sendTwice(backend, repeat, true);
        assert.equal(rec.responseCount, 3);
        assert.deepEqual(rec.outputs, [
          { name: "OUT", datatype: "INT32", shape: [1], bytes: int32([7]) },
          { name: "IDX", datatype: "UINT32", shape: [1], bytes: new Uint8Array(4) },
        ], compression);
      } finally {
        await backend.close();
      }
    }
  });
});

Deno.test("without captureOutputs the records carry no outputs", async () => {
  await withServer(async (server) => {
    const backends = [
      ...HTTP_FORMATS.map((format) => httpBackend(server, format)),
      ...GRPC_KINDS.map(([compression, streaming]) => grpcBackend(server, compression, streaming)),
    ];
    try {
      for (const backend of backends) {
        for (const rec of await sendTwice(backend, SIMPLE, false)) {
          assert.deepEqual(rec.outputs, []);
        }
      }
    } finally {
      await Promise.all(backends.map((b) => b.close()));
    }
  });
});

Deno.test("HTTP: a 200 whose binary outputs do not fit its body is a protocol error, capturing or not", async () => {
  const header = JSON.stringify({
    outputs: [{
      name: "OUTPUT0",
      datatype: "INT32",
      shape: [1],
      parameters: { binary_data_size: 8 },
    }],
  });
  const body = header + "\u0001\u0000\u0000\u0000";
  const server = startRawServer(async (conn, reader) => {
    while (await reader.next()) {
      await writeAll(
        conn,
        httpResponse(200, body, `Inference-Header-Content-Length: ${header.length}\r\n`),
      );
    }
  });
  const target = { hostname: "127.0.0.1", port: server.port, hostHeader: "t" };
  const request = createTritonHttp(tritonOptions(`127.0.0.1:${server.port}`)).prepare(
    spec("m", [tensor("IN", "INT32", [1], [1])], 1),
  );
  try {
    for (const capture of [false, true]) {
      const ch = new HttpChannel(target, tritonReplies(capture), systemClock);
      const rec = new RequestRecord();
      rec.reset(0);
      await ch.send(request, rec);
      ch.close();
      // The size check runs on every reply; outputs are never decoded from a malformed one.
      assert.equal(rec.outcome, "protocol_error");
      assert.equal(
        rec.error,
        "inference response announces 8 bytes of binary outputs, the body holds 4",
      );
      assert.equal(rec.responseCount, 0);
      assert.deepEqual(rec.outputs, []);
    }
  } finally {
    await server.close();
  }
});
