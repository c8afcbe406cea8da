/**
 * What a Triton / KServe v2 inference reply means to the shared HTTP channel: any 2xx is a
 * success if its body starts like an inference response, an error reply carries the server's
 * {"error"} text, and captured outputs are decoded from the JSON (or shared memory).
 */
import type { HttpResponse } from "../../wire/http1/connection.ts";
import { type HttpReplies, isSuccess, serverErrorText } from "../net/http_channel.ts";
import { captureHttpOutputs } from "./http_outputs.ts";
import { PreparedInfer } from "./infer_request.ts";

const TRITON_REPLIES: HttpReplies<PreparedInfer> = {
  backend: "triton",
  prepared: PreparedInfer,
  ok: isSuccess,
  errorText: serverErrorText,
  bodyProblem: inferBodyProblem,
};

const TRITON_CAPTURING_REPLIES: HttpReplies<PreparedInfer> = {
  ...TRITON_REPLIES,
  capture: (res, record, prepared) => captureHttpOutputs(res, record, prepared.shm?.readOutput),
};

/** The rules for Triton replies; `capture` decodes outputs into record.outputs (validation). */
export function tritonReplies(capture: boolean): HttpReplies<PreparedInfer> {
  return capture ? TRITON_CAPTURING_REPLIES : TRITON_REPLIES;
}

/**
 * A cheap sanity check of a 200 reply instead of a JSON parse per request (which would cap the
 * rate): the JSON header must exist, fit the body, and start like an object.
 */
function inferBodyProblem(res: HttpResponse): string {
  const length = res.bodyEnd - res.bodyStart;
  const headerLength = res.head.inferHeaderLength;
  if (headerLength > length) {
    return `Inference-Header-Content-Length ${headerLength} exceeds the body (${length} bytes)`;
  }
  const jsonEnd = headerLength >= 0 ? res.bodyStart + headerLength : res.bodyEnd;
  const buf = res.buf;
  let i = res.bodyStart;
  while (i < jsonEnd && (buf[i] === 32 || buf[i] === 9 || buf[i] === 13 || buf[i] === 10)) i++;
  if (i === jsonEnd) return "empty inference response";
  if (buf[i] !== 123) return "inference response is not a JSON object";
  return "";
}
