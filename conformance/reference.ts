/**
 * Peers and requests on the embedded reference server (server/mod.ts), whose models compute
 * known outputs and whose counters are exact: the ground truth the conformance cases check.
 */
import { type DataType, DATATYPES } from "../wire/kserve/datatypes.ts";
import { encodeStringElements } from "../wire/kserve/bytes_tensor.ts";
import { type ReferenceServer, type ServerOptions, startServer } from "../server/mod.ts";
import type {
  Example,
  ExpectedModel,
  ExpectedOutput,
  ManyResponses,
  OptionOverrides,
  Peer,
  PeerOptions,
  SequenceRequests,
} from "./fixture.ts";
import { spec, tensor } from "./fixture.ts";

/** Long enough that a held request is never released by the period wrapping around. */
const STALL_PERIOD_MS = 3_600_000;

/**
 * Starts a reference server per case with `extra` (listeners), and points the backend at the
 * listener `address` picks.
 */
export function referencePeer(
  extra: ServerOptions,
  address: (server: ReferenceServer) => OptionOverrides,
): (options: PeerOptions) => Promise<Peer> {
  return async (o) => {
    const server = await startServer({
      ...extra,
      ...(o.holdMs ? { stall: { everyMs: STALL_PERIOD_MS, forMs: o.holdMs } } : {}),
      ...(o.bare ? { noConfig: true, noStats: true } : {}),
    });
    return {
      options: address(server),
      groundTruth: (model) => server.groundTruth(model),
      sequences: (model) => server.sequences(model),
      close: () => server.close(),
    };
  };
}

/** What a KServe-speaking backend reports for `simple` (INT32 add/sub, batches up to 8). */
export const SIMPLE_MODEL: ExpectedModel = {
  name: "simple",
  maxBatchSize: 8,
  responses: "one",
  inputs: [["INPUT0", "INT32", [16]], ["INPUT1", "INT32", [16]]],
  outputs: ["OUTPUT0", "OUTPUT1"],
  notes: [],
};

const int32s = (values: number[]) => new Uint8Array(Int32Array.from(values).buffer);
const range = (n: number, f: (i: number) => number) => Array.from({ length: n }, (_, i) => f(i));

/**
 * `simple` with `batch` items: INPUT0 = i and INPUT1 = 2i + 1, so OUTPUT0 = 3i + 1 and
 * OUTPUT1 = -i - 1, and a response swapped with another request's shows.
 */
export function simpleExample(batch: number): Example {
  const n = 16 * batch;
  const shape = [batch, 16];
  return {
    spec: spec(
      "simple",
      [
        tensor("INPUT0", "INT32", shape, range(n, (i) => i)),
        tensor("INPUT1", "INT32", shape, range(n, (i) => 2 * i + 1)),
      ],
      batch,
      ["OUTPUT0", "OUTPUT1"],
    ),
    inferences: batch,
    outputs: {
      OUTPUT0: { datatype: "INT32", shape, bytes: int32s(range(n, (i) => 3 * i + 1)) },
      OUTPUT1: { datatype: "INT32", shape, bytes: int32s(range(n, (i) => -i - 1)) },
    },
  };
}

/** `simple` announcing [1,16] but carrying 8 elements: every front end must refuse it. */
export const SHORT_SIMPLE = {
  why: "INPUT0 announces [1,16] but carries 8 elements",
  spec: spec(
    "simple",
    [
      tensor("INPUT0", "INT32", [1, 16], range(8, (i) => i)),
      tensor("INPUT1", "INT32", [1, 16], range(8, (i) => i)),
    ],
    1,
    ["OUTPUT0", "OUTPUT1"],
  ),
};

/** `identity_fp32`, whose one dimension is variable: the values come back unchanged. */
export function identityFp32Example(batch: number, n: number): Example {
  const shape = [batch, n];
  const t = tensor("INPUT0", "FP32", shape, range(batch * n, (i) => (i - 2) * 0.75e3));
  return {
    spec: spec("identity_fp32", [t], batch, ["OUTPUT0"]),
    inferences: batch,
    outputs: { OUTPUT0: { datatype: "FP32", shape, bytes: t.bytes } },
  };
}

/** `simple_string`: decimal strings added and subtracted as INT32. */
export function simpleStringExample(): Example {
  const shape = [1, 16];
  const a = range(16, (i) => i * 11);
  const b = range(16, (i) => 5 - i);
  const strings = (xs: number[]) => encodeStringElements(xs.map(String));
  return {
    spec: spec(
      "simple_string",
      [
        tensor("INPUT0", "BYTES", shape, a),
        tensor("INPUT1", "BYTES", shape, b),
      ],
      1,
      ["OUTPUT0", "OUTPUT1"],
    ),
    inferences: 1,
    outputs: {
      OUTPUT0: { datatype: "BYTES", shape, bytes: strings(a.map((x, i) => x + b[i])) },
      OUTPUT1: { datatype: "BYTES", shape, bytes: strings(a.map((x, i) => x - b[i])) },
    },
  };
}

/** Edge values of each datatype, for `echo_all`'s byte-exact round trip. */
const EDGE_VALUES: Record<DataType, unknown[]> = {
  BOOL: [true, false, true],
  UINT8: [0, 7, 255],
  UINT16: [0, 300, 65535],
  UINT32: [0, 70000, 4294967295],
  UINT64: [0, 1, "18446744073709551615"],
  INT8: [-128, 0, 127],
  INT16: [-32768, 1, 32767],
  INT32: [-2147483648, 0, 2147483647],
  INT64: ["-9223372036854775808", 0, "9223372036854775807"],
  FP16: [0.5, -2, 1024],
  FP32: [0.25, -1.5, 3e10],
  FP64: [Math.PI, -1e300, 0],
  BYTES: ["a", "", "h\u00e9llo"],
  BF16: [1, -2, 0.5],
};

/** `echo_all` answers OUT_<DT> with exactly the bytes and shape of IN_<DT>. */
export function echoExample(dt: DataType): Example {
  const values = EDGE_VALUES[dt];
  const t = tensor(`IN_${dt}`, dt, [1, values.length], values);
  const out: ExpectedOutput = { datatype: dt, shape: t.shape, bytes: t.bytes };
  return {
    spec: spec("echo_all", [t], 1, [`OUT_${dt}`]),
    inferences: 1,
    outputs: { [`OUT_${dt}`]: out },
  };
}

/** Requests per datatype, for the datatype cases. */
export type DatatypeExamples = Partial<Record<DataType, readonly Example[]>>;

/** The three datatypes every tensor front end of the reference server takes, by model. */
export const modelExamples = (): DatatypeExamples => ({
  INT32: [simpleExample(1)],
  FP32: [identityFp32Example(1, 5), identityFp32Example(2, 3)],
  BYTES: [simpleStringExample()],
});

/** Every datatype through `echo_all`, and the models' own computations where they have one. */
export function allExamples(): DatatypeExamples {
  const models = modelExamples();
  return Object.fromEntries(
    DATATYPES.map((dt) => [dt, [echoExample(dt), ...(models[dt] ?? [])]]),
  );
}

/** `repeat_int32`, decoupled: one response per value, DELAY ms before each. */
export const REPEAT: ManyResponses = {
  model: "repeat_int32",
  repeat: (values, delayMs) =>
    spec("repeat_int32", [
      tensor("IN", "INT32", [values.length], values),
      ...(delayMs === undefined
        ? []
        : [tensor("DELAY", "UINT32", [values.length], values.map(() => delayMs))]),
    ], 1),
};

/** `repeat_int32` over a unary call: a decoupled model needs a stream. */
export const UNARY_REPEAT = {
  why: "a decoupled model needs a stream",
  spec: REPEAT.repeat([1, 2]),
};

/** `simple_sequence`: an INT32 accumulator per correlation id. */
export const SIMPLE_SEQUENCE: SequenceRequests = {
  model: "simple_sequence",
  output: "OUTPUT",
  step: (id, start, end, value) => ({
    ...spec("simple_sequence", [tensor("INPUT", "INT32", [1], [value])], 1, ["OUTPUT"]),
    sequence: { id, start, end },
  }),
};
