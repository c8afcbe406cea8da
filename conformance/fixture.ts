/**
 * Fixtures shared by the conformance cases (conformance/triton_suite.ts, conformance/streaming.ts): the
 * server the cases run against, how a backend is made for it, and request builders.
 */
import assert from "node:assert/strict";
import type { Backend, Channel, ModelStats, RequestSpec, TensorData } from "../core/backend.ts";
import { encodeStringElements } from "../wire/kserve/bytes_tensor.ts";
import { RequestRecord } from "../core/measure/record.ts";
import { type ServerOptions, startServer } from "../server/mod.ts";
import { tensorFromJson } from "../core/data/tensor_codec.ts";

/** What a case needs from the reference server (server/mod.ts's ReferenceServer fits). */
export interface ConformanceServer {
  /** HTTP "host:port". */
  readonly url: string;
  /** gRPC "host:port", when the server was started with a gRPC port. */
  readonly grpcUrl: string | undefined;
  groundTruth(model: string): ModelStats;
}

export interface BackendVariant {
  /** Build the backend for --streaming (only asked when the suite's `streaming` is set). */
  streaming: boolean;
}

export type MakeBackend = (server: ConformanceServer, variant: BackendVariant) => Backend;

export interface ConformanceOptions {
  /** The backend can stream: adds ordering and decoupled-model cases over streams. */
  streaming: boolean;
  /** Added to every server the suite starts (e.g. `{ grpcPort: 0 }`). */
  server?: ServerOptions;
}

/** A started server plus a backend on it; `stop` closes both. */
export interface Fixture {
  server: ConformanceServer;
  backend: Backend;
}

export async function withFixture(
  make: MakeBackend,
  opts: ConformanceOptions,
  extra: ServerOptions & BackendVariant,
  body: (f: Fixture) => Promise<void>,
): Promise<void> {
  const { streaming, ...serverExtra } = extra;
  const server = await startServer({ ...opts.server, ...serverExtra });
  const backend = make(server, { streaming });
  try {
    await body({ server, backend });
  } finally {
    await backend.close();
    await server.close();
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
