/**
 * End-to-end: every KServe datatype from a JSON data file to the server and back. `echo_all`
 * returns what it received, and the file's validation data equals its inputs, so a run without
 * failures proves the bytes on the wire were the file's, in every encoding the tool speaks.
 */
import assert from "node:assert/strict";
import { numberAfter, runCli, withServer } from "./cli_harness.ts";

/** Values per datatype, with each type's edges (sign, range ends, non-ASCII strings). */
const VALUES: Record<string, unknown[]> = {
  BOOL: [true, false, true],
  UINT8: [0, 7, 255],
  UINT16: [0, 300, 65535],
  UINT32: [0, 70000, 4294967295],
  UINT64: [0, 1, 9007199254740991],
  INT8: [-128, 0, 127],
  INT16: [-32768, 5, 32767],
  INT32: [-2147483648, 42, 2147483647],
  INT64: [-9007199254740991, 0, 9007199254740991],
  FP16: [0.5, -2, 65504],
  BF16: [1, -0.5, 256],
  FP32: [1.5, -0.25, 3.4e38],
  FP64: [Math.PI, -1e-300, 1e300],
  BYTES: ["", "hello", "ünïcode"],
};

function dataFile(types: string[]): string {
  const entry: Record<string, unknown> = {};
  const expected: Record<string, unknown> = {};
  for (const t of types) {
    entry[`IN_${t}`] = { content: VALUES[t], shape: [VALUES[t].length] };
    expected[`OUT_${t}`] = { content: VALUES[t], shape: [VALUES[t].length] };
  }
  return JSON.stringify({ data: [entry], validation_data: [expected] });
}

async function roundTrip(types: string[], target: string[]): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "pa_echo_" });
  try {
    const file = `${dir}/echo.json`;
    await Deno.writeTextFile(file, dataFile(types));
    const r = await runCli([
      "-m",
      "echo_all",
      ...target,
      "--input-data",
      file,
      "--request-count",
      "5",
    ]);
    assert.equal(r.code, 0, `${target.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.equal(numberAfter(r.stdout, "    Request count: "), 5);
    assert.doesNotMatch(r.stdout, /Failed requests/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const ALL = Object.keys(VALUES);
/** Triton has no JSON form for half floats (docs/protocols.md §1.6). */
const JSON_TYPES = ALL.filter((t) => t !== "FP16" && t !== "BF16");

Deno.test("every datatype round-trips byte-exact over HTTP binary, HTTP JSON and gRPC", async () => {
  await withServer({ grpcPort: 0 }, async (server) => {
    await roundTrip(ALL, ["-u", server.url]);
    await roundTrip(JSON_TYPES, [
      "-u",
      server.url,
      "--input-tensor-format",
      "json",
      "--output-tensor-format",
      "json",
    ]);
    await roundTrip(ALL, ["-u", server.grpcUrl!, "-i", "grpc"]);
  });
});
