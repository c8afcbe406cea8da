/** The contract conformance suite over the torchserve backend, created through its descriptor. */
import { startServer } from "../../server/mod.ts";
import { contractSuite } from "../../conformance/contract.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import descriptor from "./descriptor.ts";

contractSuite("torchserve", {
  startServer: () => startServer({}),
  make: (url) => descriptor.create(backendOptions({ url, own: descriptor.defaults!() })),
});
