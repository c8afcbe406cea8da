/**
 * The conformance fixtures of the built-in service kinds, and of a plugin, against the embedded
 * reference server (the C API against its C test double). Each names the model it describes,
 * the requests it sends with their ground truth, and what its peer's models allow that the
 * contract does not declare (sequences, batching, datatypes).
 */
import type { BackendDescriptor, Protocol } from "../core/backend.ts";
import type { ReferenceServer } from "../server/mod.ts";
import { PAYLOAD_INPUT } from "../backends/openai/request.ts";
import { DATATYPES } from "../wire/kserve/datatypes.ts";
import { NO_CONFIG_NOTE, NO_STATS_NOTE } from "../backends/shared/model_info.ts";
import { emptyModelStats } from "../backends/shared/model_stats.ts";
import { TF_MAX_BATCH } from "../backends/tfserving/signature.ts";
import { TORCHSERVE_INPUT } from "../backends/torchserve/request.ts";
import { TORCHSERVE_MODEL_NOTE } from "../backends/torchserve/mod.ts";
import {
  type CapiTarget,
  capiTarget,
  openGroundTruth,
  skipReason,
} from "../backends/triton_c_api/testing/fake_lib.ts";
import { encodeStringElements } from "../wire/kserve/bytes_tensor.ts";
import type {
  ConformanceFixture,
  Example,
  FixtureCapabilities,
  Peer,
  PeerOptions,
} from "./fixture.ts";
import { createBackend, describedAs } from "./fixture.ts";
import { syntheticRequest } from "../core/data/input_data.ts";
import { defaultConfig } from "../core/cli/config.ts";
import {
  allExamples,
  modelExamples,
  referencePeer,
  REPEAT,
  SHORT_SIMPLE,
  SIMPLE_MODEL,
  SIMPLE_SEQUENCE,
  simpleExample,
  UNARY_REPEAT,
} from "./reference.ts";
import { payloadSpec } from "../backends/openai/testing/spec.ts";

/** Requests that are not tensors: no sequences, no batching, no datatypes. */
const NO_TENSORS: FixtureCapabilities = { sequences: false, batching: false, datatypes: [] };

/** The reference server with the listener a protocol needs, and its address. */
function kservePeer(protocol: Protocol) {
  return protocol === "grpc"
    ? referencePeer({ grpcPort: 0 }, (s) => ({ url: s.grpcUrl!, protocol }))
    : referencePeer({}, (s) => ({ url: s.url, protocol }));
}

/** How a Triton fixture's backends send: --streaming, --grpc-compression-algorithm. */
export interface TritonVariant {
  streaming?: boolean;
  grpcCompression?: "none" | "gzip" | "deflate";
}

/**
 * Triton over HTTP or gRPC (unary, or one stream per channel with `streaming`; requests
 * compressed or not).
 */
export function tritonFixture(
  descriptor: BackendDescriptor,
  protocol: Protocol,
  { streaming = false, grpcCompression }: TritonVariant = {},
): ConformanceFixture {
  return {
    descriptor,
    options: { protocol, streaming, grpcCompression },
    capabilities: { sequences: true, batching: true, datatypes: DATATYPES },
    start: kservePeer(protocol),
    model: SIMPLE_MODEL,
    requests: {
      happy: simpleExample(1),
      batch: simpleExample(4),
      datatypes: allExamples(),
      failing: streaming ? [SHORT_SIMPLE] : [SHORT_SIMPLE, UNARY_REPEAT],
      manyResponses: REPEAT,
      sequence: SIMPLE_SEQUENCE,
    },
    unknownModel: /^failed to get model metadata: .*no_such_model/,
    bare: { notes: [NO_CONFIG_NOTE, NO_STATS_NOTE] },
  };
}

/**
 * TF Serving: -i grpc on the server's own PredictionService listener (as on a real TF
 * Serving), -i http on its REST API. Every model the TF front ends serve has INT32, FP32 or
 * BYTES tensors.
 */
export function tfservingFixture(
  descriptor: BackendDescriptor,
  protocol: Protocol,
): ConformanceFixture {
  return {
    descriptor,
    options: { protocol },
    capabilities: { sequences: false, batching: true, datatypes: ["INT32", "FP32", "BYTES"] },
    start: protocol === "grpc"
      ? referencePeer({ tfservingPort: 0 }, (s) => ({ url: s.tfservingUrl!, protocol }))
      : referencePeer({}, (s) => ({ url: s.url, protocol })),
    // A signature's -1 batch dimension has no upper bound.
    model: { ...SIMPLE_MODEL, maxBatchSize: TF_MAX_BATCH },
    requests: {
      happy: simpleExample(1),
      batch: simpleExample(4),
      datatypes: modelExamples(),
      failing: [SHORT_SIMPLE],
    },
    unknownModel:
      /^failed to get model metadata: (HTTP 404, )?Servable not found for request: Latest\(no_such_model\)$/,
  };
}

/** The reference handler's body, in a file that a TORCHSERVE_INPUT request names. */
function fileExample(dir: string, name: string, body: Record<string, number[]>): Example {
  const path = `${dir}/${name}`;
  Deno.writeTextFileSync(path, JSON.stringify(body));
  return {
    spec: {
      model: "simple",
      version: "",
      inputs: [{
        name: TORCHSERVE_INPUT,
        datatype: "BYTES",
        shape: [1],
        bytes: encodeStringElements([path]),
      }],
      outputs: [],
      batchSize: 1,
    },
    inferences: 1,
  };
}

/**
 * TorchServe: requests are files, not tensors, and the model is synthesized, so it declares no
 * tensor capability. The files live as long as the test process.
 */
export function torchserveFixture(descriptor: BackendDescriptor): ConformanceFixture {
  const dir = Deno.makeTempDirSync({ prefix: "pa_conformance_torchserve_" });
  globalThis.addEventListener("unload", () => Deno.removeSync(dir, { recursive: true }));
  const a = Array.from({ length: 16 }, (_, i) => i);
  return {
    descriptor,
    options: { protocol: "http" },
    capabilities: NO_TENSORS,
    start: kservePeer("http"),
    model: {
      name: "simple",
      maxBatchSize: 0,
      responses: "one",
      inputs: [[TORCHSERVE_INPUT, "BYTES", [1]]],
      outputs: [],
      notes: [TORCHSERVE_MODEL_NOTE],
    },
    requests: {
      happy: fileExample(dir, "valid.json", { INPUT0: a, INPUT1: a }),
      failing: [{
        why: "INPUT0 has 8 elements, not a whole 16-element item",
        spec: fileExample(dir, "short.json", { INPUT0: a.slice(0, 8), INPUT1: a }).spec,
      }],
    },
  };
}

const OPENAI_MODEL = "mock-llm";
const CHAT_BODY = { messages: [{ role: "user", content: "one two" }], max_tokens: 4 };

/**
 * The reference server's OpenAI mock, its per-request truth folded into the counters the cases
 * compare: a request the mock answered 200 is one successful inference.
 */
async function openaiPeer(o: PeerOptions): Promise<Peer> {
  let server: ReferenceServer | undefined;
  const peer = await referencePeer({ openai: {} }, (s) => {
    server = s;
    return { url: s.url, protocol: "http" };
  })(o);
  return {
    ...peer,
    groundTruth: (model) => {
      if (model !== OPENAI_MODEL) throw new RangeError(`the mock serves ${OPENAI_MODEL}`);
      const ok = server!.openaiTruth().filter((t) => t.status === 200).length;
      return { ...emptyModelStats(), inferenceCount: ok, executionCount: ok, successCount: ok };
    },
  };
}

/**
 * The openai kind, non-streaming (one JSON reply per request, as the cases count responses):
 * requests are request bodies, not tensors. The streamed form is tested against the mock's
 * per-event truth in tests/openai_cli_test.ts.
 */
export function openaiFixture(descriptor: BackendDescriptor): ConformanceFixture {
  return {
    descriptor,
    options: {
      protocol: "http",
      own: { endpoint: "v1/chat/completions", payloadFromData: true },
    },
    capabilities: NO_TENSORS,
    start: openaiPeer,
    model: {
      name: OPENAI_MODEL,
      maxBatchSize: 0,
      responses: "one",
      inputs: [[PAYLOAD_INPUT, "BYTES", [1]]],
      outputs: [],
    },
    requests: {
      happy: { spec: payloadSpec(CHAT_BODY), inferences: 1 },
      failing: [{
        why: "the body names a model the mock does not serve (404)",
        spec: payloadSpec({ ...CHAT_BODY, model: "not-served" }),
      }],
    },
    unknownModel: /^model 'no_such_model' is not served by .*; it serves: 'mock-llm'/,
  };
}

const COMPUTE_ENV = "FAKE_TRITON_COMPUTE_US";

/**
 * The C double's own counters, read through its extra symbol for as long as the case runs. The
 * double reads its compute time from the environment when the backend starts it, so `holdMs`
 * makes every inference take that long (it has no notion of time since start).
 */
async function capiPeer(o: PeerOptions): Promise<Peer> {
  if (o.bare) throw new Error("the C double has no bare mode");
  const t: CapiTarget = await capiTarget();
  const computeUs = Deno.env.get(COMPUTE_ENV);
  if (o.holdMs) Deno.env.set(COMPUTE_ENV, String(o.holdMs * 1000));
  const truth = openGroundTruth(t);
  let closed = false;
  return {
    options: { own: { serverDirectory: t.dir, modelRepository: t.repo } },
    groundTruth: (model) => {
      if (model !== "simple") throw new RangeError(`the C double serves only simple: ${model}`);
      return truth.read();
    },
    close: () => {
      if (closed) return Promise.resolve();
      closed = true;
      truth.close();
      if (computeUs === undefined) Deno.env.delete(COMPUTE_ENV);
      else Deno.env.set(COMPUTE_ENV, computeUs);
      return Promise.resolve();
    },
  };
}

/** Triton's in-process C API on its C test double, which serves `simple` only. */
export function capiFixture(descriptor: BackendDescriptor): ConformanceFixture {
  return {
    descriptor,
    capabilities: { sequences: false, batching: true, datatypes: ["INT32"] },
    start: capiPeer,
    model: SIMPLE_MODEL,
    requests: {
      happy: simpleExample(1),
      batch: simpleExample(4),
      datatypes: { INT32: [simpleExample(1)] },
      failing: [SHORT_SIMPLE],
    },
    unknownModel: /^failed to get model metadata: Not found - .*'no_such_model'/,
    // fake_lib's target is a real Triton when TRITON_SERVER_DIR is set; its counters are not ours.
    unavailable: Deno.env.get("TRITON_SERVER_DIR")
      ? "TRITON_SERVER_DIR is set: the suite needs the C double's own counters"
      : skipReason,
  };
}

/**
 * A plugin that sends `simple`'s tensors to the reference server: INT32 only, no batching and
 * no sequences unless the caller knows more (the example plugin also batches and sends FP32 and
 * BYTES); the rest of its capabilities are what it declares. `repeat_int32` is there for a
 * plugin whose backend carries many responses (with `streaming`, say).
 */
export function pluginFixture(
  descriptor: BackendDescriptor,
  protocol: Protocol,
  known: Partial<FixtureCapabilities> & { notes?: string[]; streaming?: boolean } = {},
): ConformanceFixture {
  const { notes, streaming, ...capabilities } = known;
  const caps: FixtureCapabilities = { ...NO_TENSORS, datatypes: ["INT32"], ...capabilities };
  const datatypes = modelExamples();
  return {
    descriptor,
    options: { protocol, streaming },
    capabilities: caps,
    start: kservePeer(protocol),
    model: { ...SIMPLE_MODEL, notes },
    requests: {
      happy: simpleExample(1),
      batch: simpleExample(4),
      // Flat JSON lists carry no shape: a variable-dimension batch would arrive as one item.
      datatypes: Object.fromEntries(
        caps.datatypes.map((dt) => [dt, datatypes[dt]?.filter((ex) => ex.inferences === 1)]),
      ),
      failing: [SHORT_SIMPLE],
      manyResponses: REPEAT,
    },
  };
}

/** Where the suite finds a server of the plugin's own protocol, and what to ask it for. */
export interface ExternalServer {
  /** What the backend gets as -u. */
  url: string;
  protocol: Protocol;
  streaming: boolean;
  model: string;
}

/**
 * Any kind against a server that is not the reference server (`deno task conformance -u`): the
 * model is what describe reports, the request is the synthetic one a run would send it, and the
 * peer has no ground truth, so only the protocol cases run. Describing the model first also
 * tells an unreachable server or an unknown model before any case runs (a RunError).
 */
export async function externalFixture(
  descriptor: BackendDescriptor,
  server: ExternalServer,
): Promise<ConformanceFixture> {
  const options = { url: server.url, protocol: server.protocol, streaming: server.streaming };
  const peer: Peer = {
    options,
    groundTruth: () => {
      throw new Error(`${server.url} is not the reference server: it has no ground truth`);
    },
    close: () => Promise.resolve(),
  };
  const backend = await createBackend({ descriptor, options }, peer);
  try {
    const info = await backend.describe(server.model, "");
    return {
      descriptor,
      options,
      capabilities: NO_TENSORS,
      start: () => Promise.resolve(peer),
      model: describedAs(info),
      requests: {
        happy: { spec: syntheticRequest(info, defaultConfig()), inferences: 1 },
        failing: [],
      },
      external: true,
    };
  } finally {
    await backend.close();
  }
}
