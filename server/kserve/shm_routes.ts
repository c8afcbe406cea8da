/** The system and CUDA shared-memory REST endpoints (docs/protocols.md §1.1, §1.12). */
import {
  ApiError,
  errorResponse,
  invalidArg,
  jsonResponse,
  methodNotAllowed,
  notFound,
} from "./http_error.ts";
import type { ShmRegistry } from "../models/shm_registry.ts";
import { readLimited } from "./body.ts";

/** What Triton built without GPU support answers for every CUDA registration. */
export function cudaUnsupported(name: string): ApiError {
  return new ApiError(
    400,
    `failed to register CUDA shared memory region: '${name}', GPUs not supported`,
  );
}

function uint(v: unknown, field: string): number {
  if (v === undefined) return 0;
  if (typeof v !== "number" || !Number.isSafeInteger(v) || v < 0) {
    throw invalidArg(`Unable to parse '${field}'`);
  }
  return v;
}

async function register(
  shm: ShmRegistry,
  name: string,
  req: Request,
  maxBodyBytes: number,
): Promise<void> {
  const text = new TextDecoder().decode(await readLimited(req, maxBodyBytes));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (e) {
    throw invalidArg(`failed to parse the request JSON buffer: ${(e as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidArg("Unable to parse 'key'");
  }
  const b = body as Record<string, unknown>;
  if (typeof b.key !== "string") throw invalidArg("Unable to parse 'key'");
  if (b.byte_size === undefined) throw invalidArg("Unable to parse 'byte_size'");
  shm.register(name, b.key, uint(b.offset, "offset"), uint(b.byte_size, "byte_size"));
}

/**
 * `segs` is the path after /v2/{system,cuda}sharedmemory: [action] or
 * ["region", name, action]. Registering needs a region name, and reads at most
 * `maxBodyBytes` of body.
 */
export async function handleShm(
  shm: ShmRegistry,
  cuda: boolean,
  req: Request,
  segs: string[],
  maxBodyBytes: number,
): Promise<Response> {
  let name = "";
  if (segs.length === 3 && segs[0] === "region") {
    try {
      name = decodeURIComponent(segs[1]);
    } catch {
      return notFound();
    }
  } else if (segs.length !== 1) return notFound();
  const action = segs[segs.length - 1];
  try {
    if (action === "status") {
      if (req.method !== "GET") return methodNotAllowed();
      // No CUDA region can ever be registered here, so the CUDA list is always empty.
      return jsonResponse(200, JSON.stringify(cuda ? [] : shm.status(name)));
    }
    if (req.method !== "POST") return methodNotAllowed();
    if (action === "unregister") {
      if (!cuda) shm.unregister(name);
      return new Response(null, { status: 200 });
    }
    if (action !== "register" || name === "") return notFound();
    if (cuda) throw cudaUnsupported(name);
    await register(shm, name, req, maxBodyBytes);
    return new Response(null, { status: 200 });
  } catch (e) {
    if (e instanceof ApiError) return errorResponse(e.status, e.message);
    throw e;
  }
}
