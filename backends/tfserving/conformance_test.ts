/**
 * The contract conformance suite over the tfserving backend, loaded through the registry:
 * -i grpc against the reference server's --tfserving-port listener (PredictionService).
 */
import type { BackendOptions } from "../../core/backend.ts";
import { loadBackendFactory } from "../../core/registry.ts";
import { startServer } from "../../server/mod.ts";
import { contractSuite } from "../../conformance/contract.ts";

const factory = await loadBackendFactory("tfserving");

const make = (protocol: BackendOptions["protocol"]) => (url: string) =>
  factory.create({
    url,
    protocol,
    headers: [],
    inputTensorFormat: "binary",
    outputTensorFormat: "binary",
    verbose: false,
  });

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
