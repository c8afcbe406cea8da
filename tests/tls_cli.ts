/**
 * What the HTTPS and gRPC TLS end-to-end tests share: fresh certificates per test, and the two
 * outcomes they assert (a run that completes, a start-up failure with one clear error line).
 */
import { equal, ok } from "node:assert/strict";
import { type CliRun, numberAfter } from "./cli_harness.ts";
import { makeTestCerts, type TestCerts } from "./tls_certs.ts";

/** A completed run: exit 0; returns its reported request count. */
export function okRun(r: CliRun): number {
  equal(r.code, 0, r.stderr);
  return numberAfter(r.stdout, "Request count: ");
}

/** A startup failure: exit 99 and exactly one error line containing every fragment. */
export function failed(r: CliRun, ...fragments: string[]): void {
  equal(r.code, 99, r.stdout + r.stderr);
  const lines = r.stderr.trim().split("\n");
  equal(lines.length, 1, r.stderr);
  for (const f of fragments) ok(lines[0].includes(f), `${JSON.stringify(f)} not in: ${lines[0]}`);
}

/** Runs `fn` with certificates made for it, removed afterwards whatever happens. */
export async function withCerts(fn: (c: TestCerts) => Promise<void>): Promise<void> {
  const certs = makeTestCerts();
  try {
    await fn(certs);
  } finally {
    certs.remove();
  }
}
