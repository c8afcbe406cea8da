import assert from "node:assert/strict";
import { encodeBytesElements, encodeStringElements } from "../../wire/kserve/bytes_tensor.ts";
import { type DataType, DATATYPES } from "../../wire/kserve/datatypes.ts";
import { connect } from "../grpc/testing/client.ts";
import { startServer } from "../server.ts";
import { binaryBody, infer, outputs } from "../testing/helpers.ts";

const bytes = (v: ArrayBufferView) => new Uint8Array(v.buffer, v.byteOffset, v.byteLength);

/** One sample tensor per datatype: its JSON elements (if JSON has a form) and wire bytes. */
interface Sample {
  json?: unknown[];
  /** Wire bytes of `json`, or of values JSON cannot carry (FP16/BF16, 64-bit extremes). */
  wire: Uint8Array;
}

const text = ["", "hello", "ünïcode"];

const SAMPLES: Record<DataType, Sample> = {
  BOOL: { json: [true, false, true], wire: Uint8Array.of(1, 0, 1) },
  UINT8: { json: [0, 7, 255], wire: Uint8Array.of(0, 7, 255) },
  UINT16: { json: [0, 300, 65535], wire: bytes(Uint16Array.of(0, 300, 65535)) },
  UINT32: { json: [0, 70000, 4294967295], wire: bytes(Uint32Array.of(0, 70000, 4294967295)) },
  UINT64: { wire: bytes(BigUint64Array.of(0n, 1n, 18446744073709551615n)) },
  INT8: { json: [-128, 0, 127], wire: bytes(Int8Array.of(-128, 0, 127)) },
  INT16: { json: [-32768, 5, 32767], wire: bytes(Int16Array.of(-32768, 5, 32767)) },
  INT32: {
    json: [-2147483648, 42, 2147483647],
    wire: bytes(Int32Array.of(-2147483648, 42, 2147483647)),
  },
  INT64: { wire: bytes(BigInt64Array.of(-(2n ** 63n), 0n, 2n ** 63n - 1n)) },
  // 1, -2 and 65504 as IEEE half; 1, -0.5 and 256 as bfloat16. JSON has no form for either.
  FP16: { wire: Uint8Array.of(0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b) },
  FP32: { json: [1.5, -0.25, 65536.5], wire: bytes(Float32Array.of(1.5, -0.25, 65536.5)) },
  FP64: { json: [Math.PI, -1e-300, 1e300], wire: bytes(Float64Array.of(Math.PI, -1e-300, 1e300)) },
  BYTES: { json: text, wire: encodeStringElements(text) },
  BF16: { wire: Uint8Array.of(0x80, 0x3f, 0x00, 0xbf, 0x80, 0x43) },
};

/** JSON numbers hold 64-bit integers only within the safe range, so JSON gets these. */
const SAFE_64: Partial<Record<DataType, [unknown[], Uint8Array]>> = {
  UINT64: [[0, 1, 2 ** 53 - 1], bytes(BigUint64Array.of(0n, 1n, 2n ** 53n - 1n))],
  INT64: [
    [1 - 2 ** 53, 0, 2 ** 53 - 1],
    bytes(BigInt64Array.of(1n - 2n ** 53n, 0n, 2n ** 53n - 1n)),
  ],
};
const jsonOf = (dt: DataType) => SAMPLES[dt].json ?? SAFE_64[dt]?.[0];
/** The wire bytes of `jsonOf(dt)`. */
const jsonWire = (dt: DataType) => SAFE_64[dt]?.[1] ?? SAMPLES[dt].wire;

/** The typed gRPC contents field of each datatype that has one (docs/protocols.md §1.7). */
const TYPED: Partial<Record<DataType, string>> = {
  BOOL: "bool_contents",
  UINT8: "uint_contents",
  UINT16: "uint_contents",
  UINT32: "uint_contents",
  UINT64: "uint64_contents",
  INT8: "int_contents",
  INT16: "int_contents",
  INT32: "int_contents",
  INT64: "int64_contents",
  FP32: "fp32_contents",
  FP64: "fp64_contents",
  BYTES: "bytes_contents",
};
const JSON_TYPES = DATATYPES.filter((dt) => jsonOf(dt) !== undefined);

Deno.test("echo_all over HTTP binary: every datatype comes back byte-exact, shape kept", async () => {
  const server = await startServer();
  try {
    const inputs = DATATYPES.map((dt) => ({
      name: `IN_${dt}`,
      datatype: dt,
      shape: [1, 3],
      parameters: { binary_data_size: SAMPLES[dt].wire.length },
    }));
    const header = { inputs, parameters: { binary_data_output: true } };
    const { body, headerLength } = binaryBody(header, DATATYPES.map((dt) => SAMPLES[dt].wire));
    const reply = await infer(server.url, "echo_all", body, {
      "inference-header-content-length": String(headerLength),
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.json));
    assert.deepEqual(
      outputs(reply).map((o) => [o.name, o.datatype, o.shape]),
      DATATYPES.map((dt) => [`OUT_${dt}`, dt, [1, 3]]),
    );
    for (const dt of DATATYPES) {
      assert.deepEqual(reply.blobs.get(`OUT_${dt}`), SAMPLES[dt].wire, dt);
    }
    // Non-UTF-8 BYTES elements and a batch of 2 survive too.
    const odd = encodeBytesElements([Uint8Array.of(0xff, 0), Uint8Array.of(0xc3)]);
    const two = binaryBody({
      inputs: [{
        name: "IN_BYTES",
        datatype: "BYTES",
        shape: [2, 1],
        parameters: {
          binary_data_size: odd.length,
        },
      }],
      outputs: [{ name: "OUT_BYTES", parameters: { binary_data: true } }],
    }, [odd]);
    const r2 = await infer(server.url, "echo_all", two.body, {
      "inference-header-content-length": String(two.headerLength),
    });
    assert.deepEqual(outputs(r2)[0].shape, [2, 1]);
    assert.deepEqual(r2.blobs.get("OUT_BYTES"), odd);
  } finally {
    await server.close();
  }
});

Deno.test("echo_all over HTTP JSON: elements back as sent; 64-bit exact; no JSON half floats", async () => {
  const server = await startServer();
  try {
    const inputs = JSON_TYPES.map((dt) => ({
      name: `IN_${dt}`,
      datatype: dt,
      shape: [1, 3],
      data: jsonOf(dt),
    }));
    const reply = await infer(server.url, "echo_all", { inputs });
    assert.equal(reply.status, 200, JSON.stringify(reply.json));
    assert.equal(reply.headerLength, undefined, "all JSON: no binary section");
    assert.deepEqual(
      outputs(reply).map((o) => [o.name, o.datatype, o.shape, o.data]),
      JSON_TYPES.map((dt) => [`OUT_${dt}`, dt, [1, 3], jsonOf(dt)]),
    );
    // JSON in, binary out: the elements were packed into exactly the wire bytes.
    const packed = await infer(server.url, "echo_all", {
      inputs,
      parameters: { binary_data_output: true },
    });
    for (const dt of JSON_TYPES) assert.deepEqual(packed.blobs.get(`OUT_${dt}`), jsonWire(dt), dt);
    // Binary in, JSON out: 64-bit values keep every digit, as Triton prints them.
    const blobs = [SAMPLES.UINT64.wire, SAMPLES.INT64.wire, SAMPLES.FP16.wire];
    const header = (fp16Json: boolean) => ({
      inputs: ["UINT64", "INT64", "FP16"].map((dt, i) => ({
        name: `IN_${dt}`,
        datatype: dt,
        shape: [1, 3],
        parameters: { binary_data_size: blobs[i].length },
      })),
      outputs: [
        { name: "OUT_UINT64" },
        { name: "OUT_INT64" },
        { name: "OUT_FP16", parameters: { binary_data: !fp16Json } },
      ],
    });
    const send = async (fp16Json: boolean) => {
      const { body, headerLength } = binaryBody(header(fp16Json), blobs);
      return await fetch(`http://${server.url}/v2/models/echo_all/infer`, {
        method: "POST",
        headers: { "inference-header-content-length": String(headerLength) },
        body: body as Uint8Array<ArrayBuffer>,
      });
    };
    const res = await send(false);
    const head = new TextDecoder().decode(new Uint8Array(await res.arrayBuffer())).slice(
      0,
      Number(res.headers.get("inference-header-content-length")),
    );
    assert.match(head, /"data":\[0,1,18446744073709551615\]/);
    assert.match(head, /"data":\[-9223372036854775808,0,9223372036854775807\]/);
    const refused = await send(true);
    assert.equal(refused.status, 400);
    assert.deepEqual(await refused.json(), {
      error:
        "sending FP16 data via JSON is not supported. Please use the binary data format for output",
    });
  } finally {
    await server.close();
  }
});

Deno.test("echo_all: only outputs of sent inputs, even when others are requested", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  try {
    const one = { name: "IN_INT8", datatype: "INT8", shape: [1, 3], data: [1, 2, 3] };
    const all = await infer(server.url, "echo_all", { inputs: [one] });
    assert.deepEqual(outputs(all).map((o) => [o.name, o.data]), [["OUT_INT8", [1, 2, 3]]]);
    const asked = await infer(server.url, "echo_all", {
      inputs: [one],
      outputs: [{ name: "OUT_FP32" }, { name: "OUT_INT8" }, { name: "OUT_BF16" }],
    });
    assert.deepEqual(outputs(asked).map((o) => o.name), ["OUT_INT8"]);
    const grpc = await client.call<
      { outputs: { name: string }[]; raw_output_contents: Uint8Array[] }
    >(
      "ModelInfer",
      {
        model_name: "echo_all",
        inputs: [{ name: "IN_INT8", datatype: "INT8", shape: [1, 3] }],
        outputs: [{ name: "OUT_FP32" }, { name: "OUT_INT8" }],
        raw_input_contents: [Int8Array.of(1, 2, 3)],
      },
    );
    assert.deepEqual(grpc.outputs.map((o) => o.name), ["OUT_INT8"]);
    assert.deepEqual(grpc.raw_output_contents.map((b) => Array.from(b)), [[1, 2, 3]]);
  } finally {
    client.close();
    await server.close();
  }
});

Deno.test("echo_all over gRPC: raw and typed contents come back as raw bytes", async () => {
  const server = await startServer({ grpcPort: 0 });
  const client = connect(server.grpcUrl!);
  type Reply = {
    outputs: { name: string; datatype: string; shape: number[] }[];
    raw_output_contents: Uint8Array[];
  };
  try {
    const raw = await client.call<Reply>("ModelInfer", {
      model_name: "echo_all",
      inputs: DATATYPES.map((dt) => ({ name: `IN_${dt}`, datatype: dt, shape: [1, 3] })),
      raw_input_contents: DATATYPES.map((dt) => SAMPLES[dt].wire),
    });
    assert.deepEqual(
      raw.outputs.map((o) => [o.name, o.datatype, o.shape]),
      DATATYPES.map((dt) => [`OUT_${dt}`, dt, [1, 3]]),
    );
    raw.raw_output_contents.forEach((b, i) => {
      assert.deepEqual(new Uint8Array(b), SAMPLES[DATATYPES[i]].wire, DATATYPES[i]);
    });
    // Typed contents: the server packs them into the same wire bytes.
    const typed = DATATYPES.filter((dt) => TYPED[dt] !== undefined);
    const utf8 = new TextEncoder();
    const fromTyped = await client.call<Reply>("ModelInfer", {
      model_name: "echo_all",
      inputs: typed.map((dt) => {
        const values = dt === "BYTES" ? text.map((s) => utf8.encode(s)) : jsonOf(dt);
        return {
          name: `IN_${dt}`,
          datatype: dt,
          shape: [1, 3],
          contents: { [TYPED[dt]!]: values },
        };
      }),
    });
    assert.equal(fromTyped.raw_output_contents.length, 12);
    fromTyped.raw_output_contents.forEach((b, i) => {
      assert.deepEqual(new Uint8Array(b), jsonWire(typed[i]), typed[i]);
    });
    assert.equal(server.groundTruth("echo_all").successCount, 2);
  } finally {
    client.close();
    await server.close();
  }
});
