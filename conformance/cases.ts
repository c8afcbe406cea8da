/**
 * The conformance cases. Each asks only what core/backend.ts promises, checks it against the
 * peer's ground truth (its exact counters, the outputs it must compute), and names the
 * capability it needs: a fixture without it gets the case reported as skipped, with the reason.
 */
import assert from "node:assert/strict";
import { type Backend, type Channel, hasServerStats, type ModelStats } from "../core/backend.ts";
import { isRunError } from "../core/errors.ts";
import { type OutputTensor, RequestRecord } from "../core/measure/record.ts";
import { DATATYPES, isDataType } from "../wire/kserve/datatypes.ts";
import {
  assertOk,
  type Capabilities,
  createBackend,
  describedAs,
  type Example,
  type OptionOverrides,
  type Peer,
  type PeerOptions,
  type ResolvedFixture,
  sendOnce,
} from "./fixture.ts";

export interface CaseContext {
  fixture: ResolvedFixture;
  peer: Peer;
  backend: Backend;
  /** Another backend on the same peer (closed by the runner). */
  make(overrides: OptionOverrides): Promise<Backend>;
  /** A channel of `backend` (default: the case's), capturing outputs when the kind declares it. */
  connect(backend?: Backend): Promise<Channel>;
}

export interface ConformanceCase {
  title: string;
  /** "" when the fixture can run the case, else why not (a missing capability). */
  skip(fixture: ResolvedFixture): string;
  /**
   * What the case knows only of the embedded reference server (its exact counters, a request
   * it refuses, how long it holds a request); absent for a case any server can answer. Against
   * another server (`fixture.external`) such a case is skipped, naming this.
   */
  truth?: string;
  /** What still runs in its place against another server: the same calls, no ground truth. */
  external?: ConformanceCase;
  /** How the case's peer is started. */
  peer?: PeerOptions;
  run(ctx: CaseContext): Promise<void>;
}

const lacks = (c: keyof Capabilities) => `no ${c} capability`;
const needs = (c: Exclude<keyof Capabilities, "datatypes">) => (f: ResolvedFixture) =>
  f.capabilities[c] ? "" : lacks(c);
const always = () => "";

/**
 * How long the peer holds early requests in the timeout and in-flight cases: long enough that
 * a busy machine still sends the case's request inside it.
 */
const HOLD_MS = 2000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Checks the record of a successful example, and its outputs when they were captured. */
function assertExample(ctx: CaseContext, rec: RequestRecord, ex: Example): void {
  assertOk(rec);
  if (!ctx.fixture.capabilities.outputCapture || ex.outputs === undefined) return;
  const got = Object.fromEntries(
    rec.outputs.map((o) => [o.name, { datatype: o.datatype, shape: o.shape, bytes: o.bytes }]),
  );
  assert.deepEqual(got, ex.outputs, `outputs of ${ex.spec.model}`);
}

/** Describes every model a case sends to, as a run does before preparing requests. */
async function describeAll(backend: Backend, ...models: string[]): Promise<void> {
  for (const m of new Set(models)) await backend.describe(m, "");
}

function delta(after: ModelStats, before: ModelStats, key: keyof ModelStats): number {
  return after[key] - before[key];
}

/**
 * Sends the happy request `count` times on each of `channels` channels (in turn on each, the
 * channels at once), checking every answer.
 */
async function sendHappy(ctx: CaseContext, channels: number, count: number): Promise<void> {
  const { backend, connect } = ctx;
  const happy = ctx.fixture.requests.happy;
  await describeAll(backend, happy.spec.model);
  const opened = await Promise.all(Array.from({ length: channels }, () => connect()));
  const prepared = backend.prepare(happy.spec);
  await Promise.all(opened.map(async (ch) => {
    const rec = new RequestRecord();
    for (let i = 0; i < count; i++) {
      rec.reset(0);
      await ch.send(prepared, rec);
      assertExample(ctx, rec, happy);
    }
  }));
}

const CASES: readonly ConformanceCase[] = [
  {
    title: "describe reports the model",
    skip: always,
    truth: "what it reports of its models",
    run: async ({ fixture, backend }) => {
      const info = await backend.describe(fixture.model.name, "");
      const notes = fixture.model.notes ?? info.notes;
      assert.deepEqual(describedAs(info), { ...fixture.model, notes });
    },
    external: {
      title: "describe reports the model: well formed, and the same when asked again",
      skip: always,
      run: async ({ fixture, backend }) => {
        const info = await backend.describe(fixture.model.name, "");
        assert.equal(info.name, fixture.model.name);
        assert.ok(Number.isInteger(info.maxBatchSize) && info.maxBatchSize >= 0, "maxBatchSize");
        assert.ok(info.responses === "one" || info.responses === "many", "responses");
        for (const t of [...info.inputs, ...info.outputs]) {
          assert.ok(t.name !== "" && isDataType(t.datatype), `tensor ${JSON.stringify(t)}`);
          assert.ok(t.shape.every((d) => Number.isInteger(d) && d >= -1), `shape of ${t.name}`);
        }
        // The fixture's model is what the first describe said.
        assert.deepEqual(describedAs(info), fixture.model);
      },
    },
  },
  {
    title: "describe of an unknown model is a RunError in the backend's wording",
    skip: (f) => f.unknownModel ? "" : "describe does not look models up",
    truth: "its wording for an unknown model",
    run: async ({ fixture, backend }) => {
      await assert.rejects(backend.describe("no_such_model", ""), (e: Error) => {
        assert.ok(isRunError(e), String(e));
        assert.match(e.message, fixture.unknownModel!);
        return true;
      });
    },
  },
  {
    title: "a request prepared once is sent many times, each answered and counted exactly",
    skip: always,
    truth: "its exact counters",
    external: {
      title: "a request prepared once is sent many times, each answered",
      skip: always,
      run: (ctx) => sendHappy(ctx, 1, 5),
    },
    run: async (ctx) => {
      const happy = ctx.fixture.requests.happy;
      await sendHappy(ctx, 1, 5);
      const truth = ctx.peer.groundTruth(happy.spec.model);
      assert.equal(truth.successCount, 5);
      assert.equal(truth.inferenceCount, 5 * happy.inferences);
    },
  },
  {
    title: "batch > 1 is one execution of batch-size inferences",
    skip: needs("batching"),
    truth: "its exact counters",
    run: async (ctx) => {
      const batch = ctx.fixture.requests.batch;
      assert.ok(batch, "the fixture declares batching but gives no batch request");
      assert.ok(batch.inferences > 1, "a batch request has batch size > 1");
      await describeAll(ctx.backend, batch.spec.model);
      assertExample(
        ctx,
        await sendOnce(await ctx.connect(), ctx.backend, batch.spec),
        batch,
      );
      const truth = ctx.peer.groundTruth(batch.spec.model);
      assert.equal(truth.inferenceCount, batch.inferences);
      assert.equal(truth.executionCount, 1);
      assert.equal(truth.successCount, 1);
    },
  },
  {
    title:
      "a refused request is a server_error outcome with the server's message; the channel goes on",
    skip: always,
    truth: "a request it refuses",
    run: async (ctx) => {
      const { backend, peer, fixture, connect } = ctx;
      const { happy, failing } = fixture.requests;
      assert.ok(failing.length > 0, "the fixture gives at least one request the peer refuses");
      await describeAll(backend, happy.spec.model, ...failing.map((f) => f.spec.model));
      const ch = await connect();
      for (const { why, spec } of failing) {
        const bad = await sendOnce(ch, backend, spec);
        assert.equal(bad.outcome, "server_error", `${why}: ${bad.error}`);
        assert.ok(bad.error.length > 0, `${why}: the server's message is kept`);
        // A stream carries a failed request's message inside an OK stream, with no status.
        if (fixture.capabilities.network && !fixture.capabilities.manyResponses) {
          assert.notEqual(bad.status, 0, `${why}: status`);
        }
        assert.ok(bad.endNs >= bad.sendStartNs, `${why}: end after send`);
        assertExample(ctx, await sendOnce(ch, backend, happy.spec), happy);
      }
      assert.equal(peer.groundTruth(happy.spec.model).successCount, failing.length);
    },
  },
  {
    title: "many concurrent channels: every request answered once and counted once",
    skip: always,
    truth: "its exact counters",
    external: {
      title: "many concurrent channels: every request answered once",
      skip: always,
      run: (ctx) => sendHappy(ctx, 8, 5),
    },
    run: async (ctx) => {
      await sendHappy(ctx, 8, 5);
      assert.equal(ctx.peer.groundTruth(ctx.fixture.requests.happy.spec.model).successCount, 40);
    },
  },
  {
    title: "a closed channel resolves sends as cancelled",
    skip: always,
    run: async ({ fixture, backend, connect }) => {
      await describeAll(backend, fixture.requests.happy.spec.model);
      const ch = await connect();
      ch.close();
      const rec = await sendOnce(ch, backend, fixture.requests.happy.spec);
      assert.equal(rec.outcome, "cancelled");
    },
  },
  {
    title: "closing a channel while a request is in flight resolves it as cancelled",
    skip: needs("network"),
    truth: "how long it holds a request",
    peer: { holdMs: HOLD_MS },
    run: async ({ fixture, backend, connect }) => {
      const happy = fixture.requests.happy;
      await describeAll(backend, happy.spec.model);
      const ch = await connect();
      const started = performance.now();
      const sent = sendOnce(ch, backend, happy.spec);
      await sleep(100);
      ch.close();
      const rec = await sent;
      assert.equal(rec.outcome, "cancelled", rec.error);
      assert.ok(performance.now() - started < HOLD_MS, "cancelled before the peer answered");
    },
  },
  {
    title: "closing the backend while a request is in flight settles it, never a rejection",
    skip: always,
    truth: "how long it holds a request",
    peer: { holdMs: HOLD_MS },
    run: async (ctx) => {
      const { fixture, backend, connect } = ctx;
      const happy = fixture.requests.happy;
      await describeAll(backend, happy.spec.model);
      const ch = await connect();
      const started = performance.now();
      const sent = sendOnce(ch, backend, happy.spec);
      await sleep(100);
      await backend.close();
      const rec = await sent;
      if (fixture.capabilities.network) {
        // The connection is dropped: the request is the client's to cancel.
        assert.equal(rec.outcome, "cancelled", rec.error);
        assert.ok(performance.now() - started < HOLD_MS, "cancelled before the peer answered");
      } else {
        // An in-process server finishes what it has queued when it stops, as Triton does.
        assertExample(ctx, rec, happy);
      }
    },
  },
  {
    title: "an unreachable peer is a RunError from describe or a transport_error outcome",
    skip: needs("network"),
    run: async ({ fixture, make, connect }) => {
      const dead = await make({ url: "127.0.0.1:1" });
      try {
        await dead.describe(fixture.model.name, "");
      } catch (e) {
        assert.ok(isRunError(e), `describe must throw RunError, threw ${e}`);
        return;
      }
      const rec = await sendOnce(await connect(dead), dead, fixture.requests.happy.spec);
      assert.equal(rec.outcome, "transport_error");
    },
  },
  {
    title: "the peer going away mid-run is a transport_error outcome, never a rejection",
    skip: needs("network"),
    truth: "a server the suite can stop",
    run: async (ctx) => {
      const { backend, peer, connect } = ctx;
      const happy = ctx.fixture.requests.happy;
      await describeAll(backend, happy.spec.model);
      const ch = await connect();
      assertExample(ctx, await sendOnce(ch, backend, happy.spec), happy);
      await peer.close();
      const rec = await sendOnce(ch, backend, happy.spec);
      assert.equal(rec.outcome, "transport_error", rec.error);
      assert.ok(rec.error.length > 0, "the failure is explained");
    },
  },
  {
    title: "a request later than requestTimeoutMs is a timeout outcome; the channel then recovers",
    skip: needs("requestTimeout"),
    truth: "how long it holds a request",
    peer: { holdMs: HOLD_MS },
    run: async (ctx) => {
      const { fixture, make, connect } = ctx;
      const happy = fixture.requests.happy;
      const started = performance.now();
      const backend = await make({ requestTimeoutMs: 200 });
      await describeAll(backend, happy.spec.model);
      const ch = await connect(backend);
      const late = await sendOnce(ch, backend, happy.spec);
      assert.equal(late.outcome, "timeout", late.error);
      assert.ok(late.error.length > 0, "the timeout is explained");
      assert.ok(performance.now() - started < HOLD_MS, "timed out before the peer answered");
      await sleep(HOLD_MS - (performance.now() - started) + 50);
      assertExample(ctx, await sendOnce(ch, backend, happy.spec), happy);
    },
  },
  {
    title: "outputs are captured exactly when asked, and only then",
    skip: needs("outputCapture"),
    truth: "the outputs it computes",
    run: async (ctx) => {
      const happy = ctx.fixture.requests.happy;
      assert.ok(happy.outputs, "the fixture gives the happy request's outputs");
      await describeAll(ctx.backend, happy.spec.model);
      const plain = await ctx.backend.connect({ captureOutputs: false });
      const rec = await sendOnce(plain, ctx.backend, happy.spec);
      assertOk(rec);
      assert.deepEqual(rec.outputs, [], "nothing decoded without captureOutputs");
      assertExample(
        ctx,
        await sendOnce(await ctx.connect(), ctx.backend, happy.spec),
        happy,
      );
    },
  },
  {
    title: "server statistics deltas equal what was sent and the peer's ground truth",
    skip: needs("serverStats"),
    truth: "its exact counters",
    run: async (ctx) => {
      const { backend, peer, connect } = ctx;
      const example = ctx.fixture.requests.batch ?? ctx.fixture.requests.happy;
      const model = example.spec.model;
      assert.ok(hasServerStats(backend), "the backend offers serverStats()");
      await describeAll(backend, model);
      const before = await backend.serverStats(model, "");
      assert.ok(before, "statistics are reported");
      const channels = await Promise.all([connect(), connect()]);
      await Promise.all(channels.map(async (ch) => {
        for (let i = 0; i < 10; i++) {
          assertExample(ctx, await sendOnce(ch, backend, example.spec), example);
        }
      }));
      const after = await backend.serverStats(model, "");
      assert.ok(after, "statistics are reported");
      assert.deepEqual(after, peer.groundTruth(model));
      assert.equal(delta(after, before, "successCount"), 20);
      assert.equal(delta(after, before, "inferenceCount"), 20 * example.inferences);
      assert.ok(after.computeInferNs >= before.computeInferNs);
    },
  },
  {
    title: "a peer without model configuration and statistics gets notes, not errors",
    skip: (f) => f.bare ? "" : "the peer has no bare mode",
    truth: "a server without configuration and statistics",
    peer: { bare: true },
    run: async ({ fixture, backend }) => {
      const info = await backend.describe(fixture.model.name, "");
      assert.deepEqual(info.notes, fixture.bare!.notes);
      assert.deepEqual(describedAs(info).inputs, fixture.model.inputs);
      if (hasServerStats(backend)) {
        assert.equal(await backend.serverStats(fixture.model.name, ""), undefined);
      }
    },
  },
  {
    title: "sequence steps run in order and every sequence starts and ends",
    skip: needs("sequences"),
    truth: "its sequence counters",
    run: async (ctx) => {
      const { backend, peer, fixture, connect } = ctx;
      const seq = fixture.requests.sequence;
      assert.ok(seq && peer.sequences, "the fixture gives sequence requests and ground truth");
      await describeAll(backend, seq.model);
      const channels = await Promise.all([connect(), connect()]);
      const values = [5, -2, 10, 7];
      await Promise.all(channels.map(async (ch, c) => {
        const id = 1000 + c;
        let sum = 0;
        for (let i = 0; i < values.length; i++) {
          const rec = await sendOnce(
            ch,
            backend,
            seq.step(id, i === 0, i === values.length - 1, values[i] * (c + 1)),
          );
          assertOk(rec);
          sum += values[i] * (c + 1);
          if (!fixture.capabilities.outputCapture) continue;
          const out: OutputTensor | undefined = rec.outputs.find((o) => o.name === seq.output);
          assert.ok(out, `output ${seq.output}`);
          const got: number = new DataView(out.bytes.buffer, out.bytes.byteOffset).getInt32(
            0,
            true,
          );
          assert.equal(got, sum, `sequence ${id} step ${i}: the accumulator`);
        }
      }));
      const truth = peer.sequences(seq.model);
      assert.equal(truth.started, 2);
      assert.equal(truth.ended, 2);
      assert.equal(truth.active, 0);
      assert.equal(truth.rejected, 0);
      assert.equal(truth.requests, 8);
      assert.equal(truth.overlapping, 0, "each channel waits for its step's answer");
      assert.deepEqual(truth.endedLengths, [4, 4]);
    },
  },
  {
    title: "many responses: all counted, in time order, the request ending at the last",
    skip: needs("manyResponses"),
    truth: "when it sends each response",
    run: async ({ backend, peer, fixture, connect }) => {
      const many = fixture.requests.manyResponses;
      assert.ok(many, "the fixture gives many-response requests");
      const info = await backend.describe(many.model, "");
      assert.equal(info.responses, "many");
      const ch = await connect();
      const five = await sendOnce(ch, backend, many.repeat([10, 20, 30, 40, 50], 2));
      assertOk(five, 5);
      for (let i = 1; i < 5; i++) {
        assert.ok(five.responseNs[i] >= five.responseNs[i - 1], `response ${i} out of order`);
      }
      // The peer waits 2 ms before each response: 8 ms from the first to the last. Half of it
      // leaves room for a late first delivery on a busy machine, and still fails if the
      // responses were timestamped together at the end.
      const span = five.responseNs[4] - five.responseNs[0];
      assert.ok(span >= 4e6, `responses spread over only ${span} ns`);
      assert.equal(five.endNs, five.responseNs[4], "the request ends at its last response");
      assertOk(await sendOnce(ch, backend, many.repeat([7])), 1);
      assertOk(await sendOnce(ch, backend, many.repeat([1, 2, 3])), 3);
      assert.equal(peer.groundTruth(many.model).successCount, 3);
      if (fixture.capabilities.serverStats && hasServerStats(backend)) {
        assert.deepEqual(await backend.serverStats(many.model, ""), peer.groundTruth(many.model));
      }
    },
  },
  {
    title: "many responses: each channel answers its requests in order",
    skip: needs("manyResponses"),
    truth: "its exact counters",
    run: async (ctx) => {
      const { backend, peer, fixture, connect } = ctx;
      const { happy, manyResponses: many } = fixture.requests;
      assert.ok(many, "the fixture gives many-response requests");
      await describeAll(backend, happy.spec.model, many.model);
      const channels = await Promise.all([0, 1, 2, 3].map(() => connect()));
      let responses = 0;
      await Promise.all(channels.map(async (ch, c) => {
        for (let i = 0; i < 20; i++) {
          // Single answers and runs of 1..4 answers alternate, so a response given to the
          // wrong request shows in a count or in the outputs.
          if ((i + c) % 2 === 0) {
            assertExample(ctx, await sendOnce(ch, backend, happy.spec), happy);
            continue;
          }
          const n = 1 + (i % 4);
          responses += n;
          const values = Array.from({ length: n }, (_, k) => 100 * c + k);
          assertOk(await sendOnce(ch, backend, many.repeat(values)), n);
        }
      }));
      assert.equal(peer.groundTruth(happy.spec.model).successCount, 40);
      assert.equal(peer.groundTruth(many.model).successCount, 40);
      assert.ok(responses > 40);
    },
  },
];

const DATATYPE_TRUTH = "the models it serves, their outputs and counters";

/** One case per declared datatype; a fixture that declares none gets one skipped case. */
function datatypeCases(f: ResolvedFixture): ConformanceCase[] {
  const declared = f.capabilities.datatypes;
  if (declared.length === 0) {
    return [{
      title: "tensors of every datatype",
      skip: () => lacks("datatypes"),
      truth: DATATYPE_TRUTH,
      run: () => Promise.resolve(),
    }];
  }
  return DATATYPES.filter((dt) => declared.includes(dt)).map((dt): ConformanceCase => ({
    title: `${dt} tensors are sent and answered exactly`,
    skip: always,
    truth: DATATYPE_TRUTH,
    run: async (ctx) => {
      const examples = ctx.fixture.requests.datatypes?.[dt] ?? [];
      assert.ok(examples.length > 0, `the fixture declares ${dt} but gives no ${dt} request`);
      const perModel = new Map<string, { requests: number; inferences: number }>();
      for (const ex of examples) {
        assert.ok(ex.spec.inputs.some((t) => t.datatype === dt), `the request carries ${dt}`);
        // As in a run: the model is described before the channel that sends to it connects.
        await describeAll(ctx.backend, ex.spec.model);
        const ch = await ctx.connect();
        assertExample(ctx, await sendOnce(ch, ctx.backend, ex.spec), ex);
        ch.close();
        const sent = perModel.get(ex.spec.model) ?? { requests: 0, inferences: 0 };
        perModel.set(ex.spec.model, {
          requests: sent.requests + 1,
          inferences: sent.inferences + ex.inferences,
        });
      }
      for (const [model, sent] of perModel) {
        const truth = ctx.peer.groundTruth(model);
        assert.equal(truth.successCount, sent.requests, `${model} requests`);
        assert.equal(truth.inferenceCount, sent.inferences, `${model} inferences`);
      }
    },
  }));
}

/** Every case for this fixture, in the order they run. */
export function casesFor(f: ResolvedFixture): ConformanceCase[] {
  const cases = [...CASES, ...datatypeCases(f)];
  const unavailable = f.unavailable ?? "";
  if (unavailable !== "") return cases.map((c) => ({ ...c, skip: () => unavailable }));
  if (!f.external) return cases;
  // Another server: what needs the reference server's ground truth is skipped, saying so, and
  // its protocol part runs where the case has one.
  return cases.flatMap((c) => {
    if (c.truth === undefined) return [c];
    const reason = `needs the reference server's ground truth: ${c.truth}`;
    return [...(c.external ? [c.external] : []), { ...c, skip: () => reason }];
  });
}

/** Runs one case on a fresh peer and backend; everything is closed afterwards. */
export async function runCase(c: ConformanceCase, fixture: ResolvedFixture): Promise<void> {
  const peer = await fixture.start(c.peer ?? {});
  const backends: Backend[] = [];
  const make = async (overrides: OptionOverrides) => {
    const b = await createBackend(fixture, peer, overrides);
    backends.push(b);
    return b;
  };
  // Only a kind that declares output capture is asked for it, as in a run.
  const capture = { captureOutputs: fixture.capabilities.outputCapture };
  try {
    const backend = await make({});
    const connect = (b: Backend = backend) => b.connect(capture);
    await c.run({ fixture, peer, backend, make, connect });
  } finally {
    for (const b of backends) await b.close();
    await peer.close();
  }
}
