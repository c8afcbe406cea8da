/**
 * The one conformance suite every backend runs, built-in or plugin, whatever its requests look
 * like. A fixture (conformance/fixture.ts) says how to start the peer, how to make the backend,
 * what describe must report, and which requests to send with their ground truth. Capabilities
 * come from the contract (the descriptor's declared ones, the created backend's
 * `capabilities` and serverStats()), and from the fixture only where the contract says nothing
 * (sequences, batching, datatypes); each case needing a capability the backend lacks is
 * reported as skipped with the reason. conformance/kinds.ts has the fixtures of the built-in
 * kinds against the reference server.
 *
 * ```ts
 * await conformanceSuite("my backend", fixture);    // Deno tests, one per case
 * await runConformance(fixture, (title, result) => ...); // a pass/skip/FAIL line per case
 * ```
 */
import { casesFor, runCase } from "./cases.ts";
import { type ConformanceFixture, resolveFixture } from "./fixture.ts";

export type {
  Capabilities,
  ConformanceFixture,
  ConformanceRequests,
  Example,
  ExpectedModel,
  ExpectedOutput,
  FixtureCapabilities,
  ManyResponses,
  OptionOverrides,
  Peer,
  PeerOptions,
  ResolvedFixture,
  SequenceRequests,
  SequenceTruth,
} from "./fixture.ts";
export { createBackend } from "./fixture.ts";

/**
 * Registers every case as "<name> conformance: <case>"; absent capabilities are ignored tests.
 * Await it at the test module's top level: the capabilities are asked of a created backend.
 */
export async function conformanceSuite(
  name: string,
  declared: ConformanceFixture,
): Promise<void> {
  const fixture = await resolveFixture(declared);
  for (const c of casesFor(fixture)) {
    const skip = c.skip(fixture);
    Deno.test({
      name: `${name} conformance: ${c.title}${skip ? ` (skipped: ${skip})` : ""}`,
      ignore: skip !== "",
      fn: () => runCase(c, fixture),
    });
  }
}

/** What one case came to: passed, skipped (with why) or failed (with the error). */
export type CaseResult =
  | { kind: "pass" }
  | { kind: "skip"; reason: string }
  | { kind: "fail"; error: unknown };

/** Runs every case in turn, reporting each; returns how many failed. */
export async function runConformance(
  declared: ConformanceFixture,
  report: (title: string, result: CaseResult) => void,
): Promise<number> {
  const fixture = await resolveFixture(declared);
  let failed = 0;
  for (const c of casesFor(fixture)) {
    const reason = c.skip(fixture);
    if (reason !== "") {
      report(c.title, { kind: "skip", reason });
      continue;
    }
    try {
      await runCase(c, fixture);
      report(c.title, { kind: "pass" });
    } catch (error) {
      failed++;
      report(c.title, { kind: "fail", error });
    }
  }
  return failed;
}
