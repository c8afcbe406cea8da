/** The shared conformance suite over the Triton HTTP backend. */
import { conformanceSuite } from "../../conformance/triton_suite.ts";
import factory from "./http.ts";

conformanceSuite("triton http", (server) =>
  factory.create({
    url: server.url,
    protocol: "http",
    headers: [],
    inputTensorFormat: "binary",
    outputTensorFormat: "binary",
    verbose: false,
  }), { streaming: false });
