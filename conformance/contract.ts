/**
 * The contract conformance suite: what every backend, built-in or plugin, must do against the
 * reference server whatever protocol it speaks. Unlike conformance.ts (Triton-shaped metadata
 * and statistics) it asks only what core/backend.ts promises: describe, prepare once, send
 * without throwing, failures as outcomes, close cancels, statistics equal to the ground truth
 * when offered. The cases are data, so they run as Deno tests (contractSuite) or from
 * scripts/conformance.ts with a pass/fail line each (runContractChecks).
 */
import assert from "node:assert/strict";
import { type Backend, hasServerStats, type ModelInfo } from "../core/backend.ts";
import { isRunError } from "../core/errors.ts";
import { RequestRecord } from "../core/measure/record.ts";
import type { ConformanceServer } from "./fixture.ts";
import { assertOk, sendOnce, simpleSpec } from "./fixture.ts";
import { type ContractRequests, contractRequests } from "./requests.ts";

/** Points a backend at a server ("host:port"); the suite closes it. */
export type MakeContractBackend = (url: string) => Backend | Promise<Backend>;

export interface ContractContext {
  server: ConformanceServer;
  backend: Backend;
  make: MakeContractBackend;
  /** Valid and invalid requests for `simple`, built from what describe() reported. */
  requests: ContractRequests;
  info: ModelInfo;
}

export interface ContractCase {
  title: string;
  run(ctx: ContractContext): Promise<void>;
}

export const CONTRACT_CASES: readonly ContractCase[] = [
  {
    title: "describe names the model and its inputs",
    run: ({ info }) => {
      assert.equal(info.name, "simple");
      assert.ok(info.inputs.length > 0, "at least one input");
      assert.ok(Array.isArray(info.notes));
      return Promise.resolve();
    },
  },
  {
    title: "a prepared request is sent many times and the server counts each",
    run: async ({ backend, server, requests }) => {
      const ch = await backend.connect();
      const prepared = backend.prepare(requests.valid);
      const rec = new RequestRecord();
      for (let i = 0; i < 5; i++) {
        rec.reset(0);
        await ch.send(prepared, rec);
        assertOk(rec);
      }
      assert.equal(server.groundTruth("simple").successCount, 5);
    },
  },
  {
    title: "a refused request is a server_error outcome and the channel keeps working",
    run: async ({ backend, server, requests }) => {
      const ch = await backend.connect();
      const bad = await sendOnce(ch, backend, requests.invalid);
      assert.equal(bad.outcome, "server_error");
      assert.ok(bad.error.length > 0, "the server's message is kept");
      assertOk(await sendOnce(ch, backend, requests.valid));
      assert.equal(server.groundTruth("simple").successCount, 1);
    },
  },
  {
    title: "channels run concurrently",
    run: async ({ backend, server, requests }) => {
      const channels = await Promise.all([0, 1, 2].map(() => backend.connect()));
      await Promise.all(channels.map(async (ch) => {
        for (let i = 0; i < 4; i++) assertOk(await sendOnce(ch, backend, requests.valid));
      }));
      assert.equal(server.groundTruth("simple").successCount, 12);
    },
  },
  {
    title: "a closed channel resolves sends as cancelled",
    run: async ({ backend, requests }) => {
      const ch = await backend.connect();
      ch.close();
      const rec = await sendOnce(ch, backend, requests.valid);
      assert.equal(rec.outcome, "cancelled");
    },
  },
  {
    title: "an unreachable server is a RunError or a transport_error, never a crash",
    run: async ({ make, requests }) => {
      const dead = await make("127.0.0.1:1");
      try {
        try {
          await dead.describe("simple", "");
        } catch (e) {
          assert.ok(isRunError(e), `describe must throw RunError, threw ${e}`);
          return;
        }
        const rec = await sendOnce(await dead.connect(), dead, requests.valid);
        assert.equal(rec.outcome, "transport_error");
      } finally {
        await dead.close();
      }
    },
  },
  {
    title: "server statistics, when offered, equal the server's ground truth",
    run: async ({ backend, server, requests }) => {
      if (!hasServerStats(backend)) return;
      const ch = await backend.connect();
      for (let i = 0; i < 3; i++) assertOk(await sendOnce(ch, backend, requests.valid));
      const stats = await backend.serverStats("simple", "");
      if (stats !== undefined) assert.deepEqual(stats, server.groundTruth("simple"));
    },
  },
];

export interface ContractRunOptions {
  /** Starts a fresh reference server for one case. */
  startServer(): Promise<ConformanceServer & { close(): Promise<void> }>;
  make: MakeContractBackend;
}

/** Runs one case on a fresh server and backend; everything is closed afterwards. */
export async function runContractCase(c: ContractCase, opts: ContractRunOptions): Promise<void> {
  const server = await opts.startServer();
  const backend = await opts.make(server.url);
  const tmp = await Deno.makeTempDir({ prefix: "pa_contract_" });
  try {
    const info = await backend.describe("simple", "");
    const requests = contractRequests(info, tmp, simpleSpec);
    await c.run({ server, backend, make: opts.make, requests, info });
  } finally {
    await backend.close();
    await server.close();
    await Deno.remove(tmp, { recursive: true });
  }
}

/** Registers every case as "<name> contract: <case>". */
export function contractSuite(name: string, opts: ContractRunOptions): void {
  for (const c of CONTRACT_CASES) {
    Deno.test(`${name} contract: ${c.title}`, () => runContractCase(c, opts));
  }
}

/** Runs every case, reporting each; returns how many failed. */
export async function runContractChecks(
  opts: ContractRunOptions,
  report: (title: string, error: unknown) => void,
): Promise<number> {
  let failed = 0;
  for (const c of CONTRACT_CASES) {
    try {
      await runContractCase(c, opts);
      report(c.title, undefined);
    } catch (e) {
      failed++;
      report(c.title, e);
    }
  }
  return failed;
}
