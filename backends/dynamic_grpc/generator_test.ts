import { deepStrictEqual as assertEquals, rejects, throws } from "node:assert/strict";
import { cutFrames, generateMessages } from "./generator.ts";

const utf8 = new TextEncoder();
const text = (frames: Uint8Array[]) => frames.map((f) => new TextDecoder().decode(f));

/** A frame as the generator writes it: 4-byte little-endian length, then the bytes. */
function frame(message: string): Uint8Array {
  const body = utf8.encode(message);
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length, true);
  out.set(body, 4);
  return out;
}

Deno.test("cutFrames: length-prefixed messages, an empty one included", () => {
  const out = new Uint8Array([...frame("ab"), ...frame(""), ...frame("xyz")]);
  assertEquals(text(cutFrames(out, "c")), ["ab", "", "xyz"]);
});

Deno.test("cutFrames: a cut frame, a stray byte or nothing at all is an error naming the command", () => {
  throws(
    () => cutFrames(frame("abcd").subarray(0, 6), "gen"),
    /message_generator command 'gen': frame 0 declares 4 bytes but only 2 follow/,
  );
  throws(
    () => cutFrames(new Uint8Array([...frame("a"), 7]), "gen"),
    /command 'gen' wrote 1 byte\(s\) after frame 1, where a 4-byte length was expected/,
  );
  throws(() => cutFrames(new Uint8Array(0), "gen"), /command 'gen' wrote nothing/);
});

Deno.test("generateMessages: runs the command once through sh and cuts its output", async () => {
  const frames = await generateMessages(
    "printf '\\001\\000\\000\\000A'; printf '\\000\\000\\000\\000'",
  );
  assertEquals(text(frames), ["A", ""]);
});

Deno.test("generateMessages: exit code, time and output size are bounded and reported", async () => {
  await rejects(
    generateMessages("echo why >&2; exit 4"),
    /'echo why >&2; exit 4' exited with code 4: why/,
  );
  const limits = { timeoutMs: 200, maxBytes: 16 };
  await rejects(
    generateMessages("exec sleep 10", limits),
    /'exec sleep 10' did not finish within 200 ms/,
  );
  await rejects(generateMessages("exec yes", limits), /'exec yes' wrote more than 16 bytes/);
});
