/**
 * The shared-memory RPCs of GRPCInferenceService (docs/protocols.md §2.9), over the HTTP
 * registry.
 */
import type { UnaryFn } from "./handlers.ts";
import { cudaUnsupported } from "../kserve/shm_routes.ts";
import type { ShmRegistry } from "../models/shm_registry.ts";

interface RegisterRequest {
  name: string;
  key: string;
  offset: number;
  byte_size: number;
}

export function shmHandlers(shm: ShmRegistry): Record<string, UnaryFn> {
  return {
    SystemSharedMemoryStatus: (req: { name: string }) => ({
      regions: Object.fromEntries(shm.status(req.name).map((r) => [r.name, r])),
    }),
    SystemSharedMemoryRegister: (req: RegisterRequest) => {
      shm.register(req.name, req.key, Number(req.offset), Number(req.byte_size));
      return {};
    },
    SystemSharedMemoryUnregister: (req: { name: string }) => {
      shm.unregister(req.name);
      return {};
    },
    // No CUDA region can be registered here: status is empty and unregister a no-op.
    CudaSharedMemoryStatus: () => ({ regions: {} }),
    CudaSharedMemoryRegister: (req: { name: string }) => {
      throw cudaUnsupported(req.name);
    },
    CudaSharedMemoryUnregister: () => ({}),
  };
}
