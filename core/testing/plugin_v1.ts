/** A contract v1 plugin (a BackendFactory) for the registry's "export a descriptor" error. */
import { FakeBackend } from "./fake_backend.ts";

export default {
  contractVersion: 1,
  kind: "old",
  protocols: ["http"],
  create: () => new FakeBackend(),
};
