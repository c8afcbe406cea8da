/**
 * A plugin function whose describe fails with the tool's RunError, as when nothing answers at
 * -u. The bundle and package tests copy it alone next to the built file: its one import is of
 * types, erased when it runs, so it needs nothing of the repository.
 */
import type { BackendPlugin } from "../plugin_api.ts";

const plugin: BackendPlugin = (api) => ({
  contractVersion: 2,
  kind: "down",
  title: "Down",
  protocols: ["http"],
  defaultUrl: { http: "127.0.0.1:1" },
  capabilities: {
    headers: false,
    streaming: [],
    compression: false,
    requestTimeout: false,
    outputCapture: false,
  },
  help: { protocols: "", serverStats: "no", modes: "" },
  create: (options) => ({
    kind: "down",
    describe: () => Promise.reject(new api.RunError(`down: nothing answers at ${options.url}`)),
    prepare: () => 0,
    connect: () => Promise.reject(new api.RunError("down: no channels")),
    close: () => Promise.resolve(),
  }),
});
export default plugin;
