/** The contract conformance suite over the torchserve backend, loaded through the registry. */
import { loadBackendFactory } from "../../core/registry.ts";
import { startServer } from "../../server/mod.ts";
import { contractSuite } from "../../conformance/contract.ts";

const factory = await loadBackendFactory("torchserve");

contractSuite("torchserve", {
  startServer: () => startServer({}),
  make: (url) =>
    factory.create({
      url,
      protocol: "http",
      headers: [],
      inputTensorFormat: "binary",
      outputTensorFormat: "binary",
      verbose: false,
    }),
});
