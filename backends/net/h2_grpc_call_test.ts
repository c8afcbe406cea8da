import assert from "node:assert/strict";
import { ErrorCode } from "../../wire/h2/frames.ts";
import { failureStatus, responseProblem, statusOf } from "./h2_grpc_call.ts";
import { GrpcCode } from "./grpc_status.ts";

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
  assert.equal(html?.notGrpc, "certain");
  // Without a gRPC content-type the reply is from a plain HTTP server, and says so.
  assert.deepEqual(responseProblem([[":status", "404"], ["content-type", "application/json"]]), {
    code: GrpcCode.UNIMPLEMENTED,
    details: "Received HTTP status code 404 (content-type 'application/json', not gRPC)",
    notGrpc: "certain",
  });
  const grpc404 = responseProblem([[":status", "404"], ["content-type", "application/grpc"]]);
  assert.deepEqual(grpc404, {
    code: GrpcCode.UNIMPLEMENTED,
    details: "Received HTTP status code 404",
  });
});

Deno.test("failureStatus: lost connections and refused streams are UNAVAILABLE", () => {
  assert.equal(failureStatus({ resetCode: -1, message: "x" }).code, GrpcCode.UNAVAILABLE);
  const refused = failureStatus({ resetCode: ErrorCode.REFUSED_STREAM, message: "x" });
  assert.equal(refused.code, GrpcCode.UNAVAILABLE);
  assert.equal(failureStatus({ resetCode: ErrorCode.CANCEL, message: "x" }).code, 1);
  assert.equal(failureStatus({ resetCode: 0xb, message: "x" }).code, GrpcCode.RESOURCE_EXHAUSTED);
  assert.equal(failureStatus({ resetCode: 2, message: "m" }).details, "m");
});
