/**
 * The "triton" service kind: Triton and KServe v2 servers over HTTP (hand-written HTTP/1.1
 * client) or gRPC (hand-written HTTP/2 client), chosen by -i. One factory, so the registry
 * loads one module.
 */
import {
  type Backend,
  BACKEND_CONTRACT_VERSION,
  type BackendFactory,
  type BackendOptions,
} from "../../core/backend.ts";
import { createTritonGrpc } from "./grpc.ts";
import tritonHttp from "./http.ts";

const factory: BackendFactory = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "triton",
  protocols: ["http", "grpc"],
  create(options: BackendOptions): Backend {
    return options.protocol === "grpc" ? createTritonGrpc(options) : tritonHttp.create(options);
  },
};

export default factory;
