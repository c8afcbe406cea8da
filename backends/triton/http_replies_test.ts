/**
 * The Triton reply check on the hot path: a byte scan (no JSON parse) must find every
 * `"binary_data_size"` of the JSON header, wherever it sits, and only inside the body.
 */
import assert from "node:assert/strict";
import type { HttpResponse } from "../../wire/http1/connection.ts";
import { ResponseHead } from "../../wire/http1/parse.ts";
import { tritonReplies } from "./http_replies.ts";

const enc = new TextEncoder();
const bodyProblem = tritonReplies(false).bodyProblem!;

/**
 * A 200 reply whose body is `json` then `binary` bytes, placed at `offset` in a buffer whose
 * bytes after the body hold another reply's text (a stale read), as the reused buffer may.
 */
function reply(json: string, binary: number, offset = 0, after = ""): HttpResponse {
  const head = new ResponseHead();
  head.status = 200;
  const header = enc.encode(json);
  head.inferHeaderLength = binary > 0 ? header.length : -1;
  const tail = enc.encode(after);
  const buf = new Uint8Array(offset + header.length + binary + tail.length);
  buf.set(header, offset);
  buf.set(tail, offset + header.length + binary);
  return { head, buf, bodyStart: offset, bodyEnd: offset + header.length + binary };
}

function output(name: string, size: number, space = ""): string {
  return `{"name":"${name}","datatype":"INT32","shape":[1,${size / 4}],` +
    `"parameters":{"binary_data_size"${space}:${space}${size}}}`;
}

Deno.test("binary outputs announced anywhere in the header add up to the bytes after it", () => {
  const outputs = [output("OUTPUT0", 64), output("O", 8, " "), output("OUTPUT_LONG_NAME", 4)];
  for (let pad = 0; pad < 40; pad++) {
    const json = `{"model_name":"m${"x".repeat(pad)}","outputs":[${outputs.join(",")}]}`;
    assert.equal(bodyProblem(reply(json, 76, pad)), "", `pad ${pad}`);
    assert.equal(
      bodyProblem(reply(json, 75, pad)),
      "inference response announces 76 bytes of binary outputs, the body holds 75",
    );
  }
});

Deno.test("a key right at the end of the JSON counts; a longer name or text after the body does not", () => {
  const last = '{"binary_data_size":12}';
  assert.equal(bodyProblem(reply(last, 12)), "");
  const longer = '{"binary_data_sizes":12,"x":"binary_data_size"}';
  assert.equal(
    bodyProblem(reply(longer, 12)),
    "inference response announces 0 bytes of binary outputs, the body holds 12",
  );
  const json = '{"model_name":"simple","outputs":[{"name":"OUTPUT0","data":[1,2,3]}]}';
  assert.equal(bodyProblem(reply(json, 0, 3, '{"binary_data_size":99}')), "");
});

Deno.test("every byte offset of a key inside number-heavy JSON is found", () => {
  for (let digits = 0; digits < 60; digits++) {
    const data = Array.from({ length: digits }, (_, i) => i % 10).join("");
    const json = `{"outputs":[{"data":[${data}],"parameters":{"binary_data_size":${digits + 1}}}]}`;
    assert.equal(bodyProblem(reply(json, digits + 1)), "", `digits ${digits}`);
  }
});
