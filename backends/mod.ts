/**
 * The built-in service kinds, in --help order; the first is the default --service-kind. The
 * composition root (main.ts) hands this list to the command line and to the run, so core
 * names no kind. Descriptors are light: each loads its backend only in create().
 */
import type { BackendDescriptor } from "../core/backend.ts";
import triton from "./triton/descriptor.ts";
import tritonCapi from "./triton_c_api/descriptor.ts";
import torchserve from "./torchserve/descriptor.ts";
import tfserving from "./tfserving/descriptor.ts";
import openai from "./openai/descriptor.ts";
import dynamicGrpc from "./dynamic_grpc/descriptor.ts";

export const BUILT_IN_BACKENDS: readonly BackendDescriptor[] = [
  triton,
  tritonCapi,
  torchserve,
  tfserving,
  openai,
  dynamicGrpc,
];
