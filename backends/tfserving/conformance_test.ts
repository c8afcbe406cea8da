/**
 * The contract conformance suite over the tfserving backend, created through its descriptor:
 * -i grpc against the reference server's --tfserving-port listener (PredictionService).
 */
import type { Protocol } from "../../core/backend.ts";
import { startServer } from "../../server/mod.ts";
import { contractSuite } from "../../conformance/contract.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import descriptor from "./descriptor.ts";

const make = (protocol: Protocol) => (url: string) =>
  descriptor.create(backendOptions({ url, protocol, own: descriptor.defaults!() }));

contractSuite("tfserving grpc", {
  startServer: async () => {
    const server = await startServer({ tfservingPort: 0 });
    return {
      ...server,
      url: server.tfservingUrl!,
      groundTruth: (m) => server.groundTruth(m),
      close: () => server.close(),
    };
  },
  make: make("grpc"),
});

contractSuite("tfserving http", {
  startServer: () => startServer({}),
  make: make("http"),
});
