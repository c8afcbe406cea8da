/** A minimal plugin module for registry tests: the in-memory fake backend as a factory. */
import { BACKEND_CONTRACT_VERSION, type BackendFactory } from "../backend.ts";
import { FakeBackend } from "./fake_backend.ts";

const factory: BackendFactory = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "fake",
  protocols: ["http"],
  create: () => new FakeBackend(),
};
export default factory;
