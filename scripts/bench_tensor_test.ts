import assert from "node:assert/strict";
import { tensorLines, type TensorRow } from "./bench_tensor.ts";
import { overloadLines } from "./bench_overload.ts";

Deno.test("tensor rows print gRPC's rate as a share of HTTP's for the same size", () => {
  const row = (protocol: "http" | "grpc", inferPerSec: number): TensorRow => ({
    size: "1 MiB",
    protocol,
    requests: 400,
    inferPerSec,
    clientCpuUsPerRequest: 512.4,
    serverCpuUsPerRequest: 1300,
  });
  const lines = tensorLines([row("http", 400), row("grpc", 340)]);
  assert.equal(lines.length, 3);
  assert.match(lines[1], /^1 MiB +http +400 +512 +1300 *$/);
  assert.match(lines[2], /^1 MiB +grpc +340 +512 +1300 +0\.85$/);
});

Deno.test("the overload row states capacity, offered and achieved rate, drops and sockets", () => {
  const [head, body] = overloadLines({
    capacity: 400,
    capacityRuns: [390, 410],
    offered: 800,
    achieved: 392,
    ratio: 0.98,
    latenessP99Us: 15_000_000,
    latenessMaxUs: 15_500_000,
    latePct: 99.5,
    dropped: 0,
    maxSockets: 131,
    peakRssMb: 99.4,
    command: "deno run ...",
  });
  assert.match(
    head,
    /capacity alone \(concurrency 4, before and after\) 390\.0 and 410\.0 infer\/s/,
  );
  assert.equal(
    body,
    "  offered 800/s -> achieved 392.0 infer/s (98.0 % of capacity), lateness p99 15000.0 ms " +
      "max 15500.0 ms, 99.5 % late, 0 dropped, 131 sockets, peak RSS 99 MB",
  );
});
