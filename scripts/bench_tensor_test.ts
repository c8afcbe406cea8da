import assert from "node:assert/strict";
import {
  tensorLines,
  type TensorProtocol,
  type TensorRow,
  tensorSection,
  tensorTargets,
} from "./bench_tensor.ts";

const tensorRow = (
  size: string,
  protocol: TensorProtocol,
  inferPerSec: number,
  clientCpuUsPerRequest = 512.4,
): TensorRow => ({
  size,
  protocol,
  requests: 400,
  inferPerSec,
  clientCpuUsPerRequest,
  serverCpuUsPerRequest: 1300,
});

Deno.test("tensor rows print each gRPC mode's rate as a share of HTTP's at the same size", () => {
  const rows = [
    tensorRow("16 B", "http", 8000, 44),
    tensorRow("16 B", "grpc", 6000, 75),
    tensorRow("16 B", "grpc-streaming", 10000, 30),
    tensorRow("1 MiB", "http", 400),
    tensorRow("1 MiB", "grpc", 340),
    tensorRow("1 MiB", "grpc-streaming", 300),
  ];
  const lines = tensorLines(tensorSection(1, 3, rows));
  assert.match(lines[0], /concurrency 1, each row the best of 3 runs/);
  assert.match(lines[1], /^size +protocol +requests +infer\/s +× HTTP +client µs\/req +server/);
  assert.match(lines[2], /^16 B +http +400 +8000 +44 +1300$/);
  assert.match(lines[3], /^16 B +grpc +400 +6000 +0\.75 +75 +1300$/);
  assert.match(lines[4], /^16 B +grpc-streaming +400 +10000 +1\.25 +30 +1300$/);
  assert.match(lines[6], /^1 MiB +grpc +400 +340 +0\.85 +512 +1300$/);
  assert.match(lines[7], /^1 MiB +grpc-streaming +400 +300 +0\.75 +512 +1300$/);
  // Only the 1 MiB rows carry the 0.8× target, one line per gRPC mode.
  assert.deepEqual(lines.slice(8), [
    "  PASS  grpc 1 MiB infer/s, share of our HTTP's on the same server: 0.85 × (>= 0.8×)",
    "  FAIL  grpc-streaming 1 MiB infer/s, share of our HTTP's on the same server: 0.75 × " +
    "(>= 0.8×)",
  ]);
});

Deno.test("a gRPC row with no HTTP row of its size misses its target rather than passing", () => {
  const [target] = tensorTargets([tensorRow("1 MiB", "grpc", 340)]);
  assert.equal(target.pass, false);
  assert.ok(Number.isNaN(target.value));
});
