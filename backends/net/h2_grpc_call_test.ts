import assert from "node:assert/strict";
import { ErrorCode } from "../../wire/h2/frames.ts";
import { failureStatus, MessageReader, responseProblem, statusOf } from "./h2_grpc_call.ts";
import { GrpcCode } from "./grpc_status.ts";

function framed(...bodies: number[][]): Uint8Array {
  const out: number[] = [];
  for (const b of bodies) out.push(0, 0, 0, b.length >> 8, b.length & 0xff, ...b);
  return Uint8Array.from(out);
}

Deno.test("MessageReader: messages come out whole wherever the DATA chunks split", () => {
  const long = Array.from({ length: 300 }, (_, i) => i & 0xff);
  const bytes = framed([1, 2, 3], [], long, [9]);
  // Every split point of the stream into two chunks, plus one byte at a time.
  for (let cut = 0; cut <= bytes.length; cut++) {
    const got: number[][] = [];
    const reader = new MessageReader((m) => got.push([...m]));
    reader.push(bytes.subarray(0, cut));
    reader.push(bytes.subarray(cut));
    assert.deepEqual(got, [[1, 2, 3], [], long, [9]], `cut at ${cut}`);
    assert.equal(reader.partial, false);
  }
  const got: number[][] = [];
  const reader = new MessageReader((m) => got.push([...m]));
  for (let i = 0; i < bytes.length - 1; i++) reader.push(bytes.subarray(i, i + 1));
  assert.equal(got.length, 3);
  assert.equal(reader.partial, true, "the last message is still missing its byte");
});

Deno.test("statusOf reads grpc-status and percent-decoded grpc-message", () => {
  assert.deepEqual(statusOf([["grpc-status", "0"]]), { code: 0, details: "" });
  assert.deepEqual(
    statusOf([["grpc-status", "3"], ["grpc-message", "bad%20shape%25"]]),
    { code: 3, details: "bad shape%" },
  );
  assert.equal(statusOf([[":status", "200"]]), undefined);
  assert.equal(statusOf([["grpc-status", "x"]]), undefined);
});

Deno.test("responseProblem maps HTTP errors and a foreign content-type like grpc-js", () => {
  const ok: [string, string][] = [[":status", "200"], ["content-type", "application/grpc"]];
  assert.equal(responseProblem(ok), undefined);
  assert.equal(responseProblem([[":status", "404"]])?.code, GrpcCode.UNIMPLEMENTED);
  assert.equal(responseProblem([[":status", "503"]])?.code, GrpcCode.UNAVAILABLE);
  const html = responseProblem([[":status", "200"], ["content-type", "text/html"]]);
  assert.equal(html?.code, GrpcCode.UNKNOWN);
});

Deno.test("failureStatus: lost connections and refused streams are UNAVAILABLE", () => {
  assert.equal(failureStatus({ resetCode: -1, message: "x" }).code, GrpcCode.UNAVAILABLE);
  const refused = failureStatus({ resetCode: ErrorCode.REFUSED_STREAM, message: "x" });
  assert.equal(refused.code, GrpcCode.UNAVAILABLE);
  assert.equal(failureStatus({ resetCode: ErrorCode.CANCEL, message: "x" }).code, 1);
  assert.equal(failureStatus({ resetCode: 0xb, message: "x" }).code, GrpcCode.RESOURCE_EXHAUSTED);
  assert.equal(failureStatus({ resetCode: 2, message: "m" }).details, "m");
});
