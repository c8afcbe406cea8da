/** The shared conformance suite over the Triton HTTP backend. */
import { conformanceSuite } from "../../conformance/triton_suite.ts";
import { backendOptions } from "../../core/testing/backend_options.ts";
import { createTritonHttp } from "./http.ts";
import { defaultTritonOptions } from "./options.ts";

conformanceSuite(
  "triton http",
  (server) => createTritonHttp(backendOptions({ url: server.url, own: defaultTritonOptions() })),
  { streaming: false },
);
