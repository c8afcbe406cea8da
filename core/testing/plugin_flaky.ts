/**
 * A plugin backend for end-to-end tests of error counting: the in-memory fake backend, 1 ms
 * per request, failing every third request with a fixed message.
 */
import type { BackendDescriptor } from "../plugin.ts";
import { FakeBackend } from "./fake_backend.ts";
import ok from "./plugin_ok.ts";

export const FLAKY_ERROR = "HTTP 503: simulated overload";

const descriptor: BackendDescriptor = {
  ...ok,
  kind: "flaky",
  title: "Flaky",
  create: () => {
    const backend = new FakeBackend(1);
    let n = 0;
    backend.failWith = () => (++n % 3 === 0 ? FLAKY_ERROR : undefined);
    return backend;
  },
};
export default descriptor;
