/** A minimal plugin module for registry tests: the in-memory fake backend as a descriptor. */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../plugin.ts";
import { FakeBackend } from "./fake_backend.ts";

const descriptor: BackendDescriptor = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "fake",
  title: "Fake",
  protocols: ["http"],
  defaultUrl: { http: "localhost:9" },
  capabilities: {
    headers: true,
    streaming: [],
    compression: false,
    requestTimeout: false,
    outputCapture: false,
  },
  help: { protocols: "", serverStats: "no", modes: "concurrency" },
  create: () => new FakeBackend(),
};
export default descriptor;
