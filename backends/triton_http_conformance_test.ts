/** The shared conformance suite over the Triton HTTP backend. */
import { conformanceSuite } from "./conformance.ts";
import factory from "./triton_http.ts";

conformanceSuite("triton http", (server) =>
  factory.create({
    url: server.url,
    protocol: "http",
    headers: [],
    inputTensorFormat: "binary",
    outputTensorFormat: "binary",
    verbose: false,
  }), { streaming: false });
