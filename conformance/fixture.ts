/**
 * What a backend brings to the conformance suite (conformance/mod.ts): how to start the peer it
 * talks to, its kind's descriptor (which makes the backend and declares most capabilities),
 * what describe must report, the requests to send with their ground truth, and the capabilities
 * the contract does not declare. Also the small request and record helpers the cases (and a few
 * backend tests) share.
 */
import assert from "node:assert/strict";
import {
  type Backend,
  type BackendDescriptor,
  type BackendOptions,
  type Channel,
  hasServerStats,
  type ModelInfo,
  type ModelStats,
  type RequestSpec,
  type TensorData,
} from "../core/backend.ts";
import type { DataType } from "../wire/kserve/datatypes.ts";
import { encodeStringElements } from "../wire/kserve/bytes_tensor.ts";
import { RequestRecord } from "../core/measure/record.ts";
import { tensorFromJson } from "../core/data/tensor_codec.ts";
import { backendOptions } from "../core/testing/backend_options.ts";

/**
 * What the backend can do; every case that needs more than the core contract is gated on one of
 * these, and is reported as skipped (with the missing capability named) when it is absent. The
 * contract declares most of them (see {@link resolveFixture}); a fixture declares only what it
 * does not ({@link FixtureCapabilities}).
 */
export interface Capabilities extends FixtureCapabilities {
  /** serverStats() reports the peer's cumulative counters exactly (hasServerStats). */
  serverStats: boolean;
  /** Channels connected with `captureOutputs` put every output of the response in the record. */
  outputCapture: boolean;
  /** A request may get many responses (the created backend's `capabilities.responses`). */
  manyResponses: boolean;
  /** `requestTimeoutMs` fails a late request as "timeout". */
  requestTimeout: boolean;
  /** The peer is across a network: it can be unreachable or go away mid-run. */
  network: boolean;
}

/**
 * What the contract does not declare because it depends on the peer's models: a backend whose
 * requests are not tensors declares no datatypes and no batching.
 */
export interface FixtureCapabilities {
  /** Requests with `sequence` control run as steps of server-side sequences. */
  sequences: boolean;
  /** `batchSize` > 1 is one execution of that many inferences. */
  batching: boolean;
  /** The tensor datatypes requests can carry ([] for a backend whose requests are not tensors). */
  datatypes: readonly DataType[];
}

/** How a case wants the peer started. */
export interface PeerOptions {
  /**
   * Hold every inference the peer starts during its first `holdMs` until that time has passed,
   * so requests sent early are late and requests sent after it are prompt.
   */
  holdMs?: number;
  /** A peer without model configuration and statistics endpoints (see `bare` in the fixture). */
  bare?: boolean;
}

/** Sequence ground truth, as the reference server keeps it (server/models/sequences.ts). */
export interface SequenceTruth {
  started: number;
  ended: number;
  active: number;
  rejected: number;
  requests: number;
  overlapping: number;
  endedLengths: number[];
}

/** A started peer: where the backend finds it, and what it counted. */
export interface Peer {
  /** Merged into the backend's options: url, protocol, or the in-process server's paths. */
  readonly options: OptionOverrides;
  /** The peer's exact cumulative counters for a model. */
  groundTruth(model: string): ModelStats;
  /** The peer's sequence ground truth, when it runs sequence models. */
  sequences?(model: string): SequenceTruth;
  close(): Promise<void>;
}

/** One request and what the peer must do with it. */
export interface Example {
  spec: RequestSpec;
  /** Inferences it counts as on the peer (its batch size, or 1 for a non-batching backend). */
  inferences: number;
  /** Every output of the response, byte-exact, when the backend captures outputs. */
  outputs?: Readonly<Record<string, ExpectedOutput>>;
}

export interface ExpectedOutput {
  datatype: DataType;
  shape: number[];
  bytes: Uint8Array;
}

/** What describe() must report for the fixture's model. */
export interface ExpectedModel {
  name: string;
  maxBatchSize: number;
  responses: ModelInfo["responses"];
  /** [name, datatype, shape without the batch dimension] per input, in order. */
  inputs: [string, DataType, number[]][];
  outputs: string[];
  /** Exactly the startup notes; undefined leaves them unchecked (a plugin's own wording). */
  notes?: string[];
}

/** The request builders: the cases never build a request themselves. */
export interface ConformanceRequests {
  /** One request the peer accepts; sent many times. Its model is the one described. */
  happy: Example;
  /** Requests the peer must refuse, each with why (a wrong element count, a decoupled model). */
  failing: { why: string; spec: RequestSpec }[];
  /** A request with batch size > 1 (capability `batching`). */
  batch?: Example;
  /** Requests carrying each declared datatype (capability `datatypes`). */
  datatypes?: Partial<Record<DataType, readonly Example[]>>;
  /** Requests of a model that answers many times (capability `manyResponses`). */
  manyResponses?: ManyResponses;
  /** One step of a sequence adding `value` to its accumulator (capability `sequences`). */
  sequence?: SequenceRequests;
}

export interface ManyResponses {
  model: string;
  /** A request answered once per value, each response `delayMs` after the previous one. */
  repeat(values: number[], delayMs?: number): RequestSpec;
}

export interface SequenceRequests {
  model: string;
  step(id: number, start: boolean, end: boolean, value: number): RequestSpec;
  /** The output holding the accumulator after the step. */
  output: string;
}

/**
 * Options merged over others; `own` merges field by field over the kind's `defaults()`, so an
 * override names only the kind options it sets.
 */
export type OptionOverrides = Partial<Omit<BackendOptions, "own">> & { own?: object };

export interface ConformanceFixture {
  /** The kind's descriptor: its `create()` makes every backend, as in a run. */
  descriptor: BackendDescriptor;
  /** Options every backend of this fixture gets, before the peer's and the case's. */
  options?: OptionOverrides;
  /** What the contract does not declare; the rest comes from {@link resolveFixture}. */
  capabilities: FixtureCapabilities;
  start(options: PeerOptions): Promise<Peer>;
  model: ExpectedModel;
  requests: ConformanceRequests;
  /** How describe() of an unknown model must fail; undefined when describe cannot know. */
  unknownModel?: RegExp;
  /**
   * What a backend on a `bare` peer reports: describe's notes, and serverStats() undefined.
   * Undefined when the peer cannot be started bare.
   */
  bare?: { notes: string[] };
  /** Why the peer cannot run on this machine (every case is then skipped with it); "" if it can. */
  unavailable?: string;
  /**
   * The peer is a server other than the embedded reference server: it has no ground truth, so
   * every case that needs it is skipped (see `truth` in conformance/cases.ts).
   */
  external?: boolean;
}

/**
 * The one place a conformance backend is made, through the kind's descriptor as a run makes it:
 * the fixture's options, then the peer's, then the case's (a timeout, a dead address), all known
 * before create(). Output capture is not an option: channels ask for it in connect().
 */
export async function createBackend(
  fixture: Pick<ConformanceFixture, "descriptor" | "options">,
  peer: Pick<Peer, "options">,
  overrides: OptionOverrides = {},
): Promise<Backend> {
  const d = fixture.descriptor;
  const layers = [fixture.options ?? {}, peer.options, overrides];
  const owns = layers.flatMap((o) => o.own === undefined ? [] : [o.own]);
  // A kind without own options gets undefined, as the command line gives it.
  const own = d.defaults === undefined && owns.length === 0
    ? undefined
    : Object.assign({}, d.defaults?.(), ...owns);
  const options: BackendOptions = Object.assign(
    backendOptions({ stdout: () => {}, stderr: () => {} }),
    ...layers,
    { own },
  );
  return await d.create(options);
}

/** A fixture with every capability known: what the cases run with. */
export type ResolvedFixture = Omit<ConformanceFixture, "capabilities"> & {
  capabilities: Capabilities;
};

/**
 * The fixture with all its capabilities: what its descriptor declares (output capture, request
 * timeout, which is HTTP only as the command line has it, a network protocol), what a backend
 * created with the fixture's options carries (many responses, serverStats()), and what the
 * fixture declares itself. The backend is made but never used.
 */
export async function resolveFixture(fixture: ConformanceFixture): Promise<ResolvedFixture> {
  const declared = fixture.descriptor.capabilities;
  const protocol = fixture.options?.protocol ?? "http";
  const probe = await createBackend(fixture, { options: { url: "127.0.0.1:1" } });
  try {
    const capabilities: Capabilities = {
      ...fixture.capabilities,
      serverStats: hasServerStats(probe),
      outputCapture: declared.outputCapture,
      manyResponses: probe.capabilities?.responses === "many",
      requestTimeout: declared.requestTimeout && protocol === "http",
      network: fixture.descriptor.protocols.length > 0,
    };
    return { ...fixture, capabilities };
  } finally {
    await probe.close();
  }
}

export function tensor(
  name: string,
  datatype: TensorData["datatype"],
  shape: number[],
  data: unknown[],
): TensorData {
  const bytes = datatype === "BYTES"
    ? encodeStringElements(data.map(String))
    : tensorFromJson(datatype, data);
  return { name, datatype, shape, bytes };
}

export function spec(
  model: string,
  inputs: TensorData[],
  batchSize: number,
  outputs: string[] = [],
): RequestSpec {
  return { model, version: "", inputs, outputs, batchSize };
}

/** `simple`'s INT32 [batch,16] pair (0, 1, 2, ...), or `elements` of it to make it invalid. */
export function simpleSpec(batch: number, elements = 16 * batch): RequestSpec {
  const a = Array.from({ length: elements }, (_, i) => i);
  return spec(
    "simple",
    [
      tensor("INPUT0", "INT32", [batch, 16], a),
      tensor("INPUT1", "INT32", [batch, 16], a),
    ],
    batch,
    ["OUTPUT0", "OUTPUT1"],
  );
}

/** Sends once on `ch` with a fresh record and returns it. */
export async function sendOnce(
  ch: Channel,
  backend: Backend,
  s: RequestSpec,
): Promise<RequestRecord> {
  const rec = new RequestRecord();
  rec.reset(0);
  await ch.send(backend.prepare(s), rec);
  return rec;
}

export function assertOk(rec: RequestRecord, responses = 1): void {
  assert.equal(rec.outcome, "ok", rec.error);
  assert.equal(rec.responseCount, responses);
  assert.ok(rec.sendStartNs > 0 && rec.sendEndNs >= rec.sendStartNs, "send timestamps");
  if (responses > 0) assert.ok(rec.firstByteNs >= rec.sendStartNs, "first response after send");
  assert.ok(rec.endNs >= rec.firstByteNs, "end after first response");
}

/** describe() as the fixture expects it, projected so optional fields do not matter. */
export function describedAs(info: ModelInfo): ExpectedModel {
  return {
    name: info.name,
    maxBatchSize: info.maxBatchSize,
    responses: info.responses,
    inputs: info.inputs.map((t) => [t.name, t.datatype, t.shape]),
    outputs: info.outputs.map((t) => t.name),
    notes: info.notes,
  };
}
