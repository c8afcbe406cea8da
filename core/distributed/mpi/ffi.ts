/**
 * Open MPI through Deno FFI: the few calls a load generator needs (init, rank, size, barrier, an
 * allreduce of one number, finalize, abort). The library is loaded the way perf_analyzer's own
 * --enable-mpi loads it: dlopen with RTLD_GLOBAL (Open MPI's plugins resolve symbols of libmpi
 * globally), and the predefined handles (MPI_COMM_WORLD, MPI_DOUBLE, MPI_MIN, MPI_MAX) taken by dlsym,
 * because in Open MPI they are addresses of exported structs, not constants a header would give.
 *
 * Collectives never block the event loop: the load keeps running while a rank waits for the
 * others. A collective is started nonblocking (MPI_Ibarrier, MPI_Iallreduce) and polled with
 * MPI_Test on a short timer. The start barrier adds a second, blocking MPI_Barrier run on a
 * worker thread (`nonblocking: true` FFI) once every rank is known to be there: that release is
 * as tight as MPI makes it, without any rank spinning a core while the others still start up.
 */
import { RunError } from "../../errors.ts";

/** MPI_THREAD_SERIALIZED: MPI is called from more than one thread, never from two at once. */
const THREAD_SERIALIZED = 2;
/** RTLD_NOW | RTLD_GLOBAL (glibc's values). */
const RTLD_NOW_GLOBAL = 0x2 | 0x100;
/** Open MPI's MPI_MAX_LIBRARY_VERSION_STRING. */
const VERSION_BYTES = 256;
/** How often a pending collective is tested: short against a window, long against a syscall. */
const POLL_MS = 1;

/** Names tried in order: the development link (as perf_analyzer), then the runtime soname. */
export const LIBRARY_NAMES = ["libmpi.so", "libmpi.so.40"] as const;
/** Environment variable naming the library file to load instead. */
export const LIBRARY_ENV = "PA_MPI_LIB";

const LIBC = {
  dlopen: { parameters: ["buffer", "i32"], result: "pointer" },
  dlsym: { parameters: ["pointer", "buffer"], result: "pointer" },
  dlerror: { parameters: [], result: "pointer" },
} as const;

const MPI = {
  MPI_Init_thread: { parameters: ["pointer", "pointer", "i32", "buffer"], result: "i32" },
  MPI_Get_library_version: { parameters: ["buffer", "buffer"], result: "i32" },
  MPI_Comm_rank: { parameters: ["pointer", "buffer"], result: "i32" },
  MPI_Comm_size: { parameters: ["pointer", "buffer"], result: "i32" },
  MPI_Ibarrier: { parameters: ["pointer", "buffer"], result: "i32" },
  MPI_Barrier: { parameters: ["pointer"], result: "i32", nonblocking: true },
  MPI_Iallreduce: {
    parameters: ["buffer", "buffer", "i32", "pointer", "pointer", "pointer", "buffer"],
    result: "i32",
  },
  MPI_Test: { parameters: ["buffer", "buffer", "pointer"], result: "i32" },
  MPI_Finalize: { parameters: [], result: "i32" },
  MPI_Abort: { parameters: ["pointer", "i32"], result: "i32" },
} as const;

/** A rank's view of MPI_COMM_WORLD. */
export interface MpiWorld {
  readonly rank: number;
  readonly size: number;
  /** "Open MPI v4.1.4, ..." as the library reports itself. */
  readonly version: string;
  /** Resolves once every rank has called it; the event loop runs meanwhile. */
  barrier(): Promise<void>;
  /**
   * The minimum or maximum of `value` over all ranks: one MPI_Iallreduce of one double, exact
   * for integers up to 2^53 (epoch milliseconds included).
   */
  allReduce(value: number, op: "min" | "max"): Promise<number>;
  /** Ends MPI for this process; every rank calls it once, after its last collective. */
  finalize(): void;
  /** Ends the whole job with `code` (a rank that cannot go on). */
  abort(code: number): void;
}

function cString(text: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${text}\0`);
}

/** The install hint for the missing library, the same on every path that cannot load it. */
function missingLibrary(detail: string): RunError {
  return new RunError(
    `--enable-mpi and MPI runs need Open MPI's libmpi, which could not be loaded (${detail}). ` +
      "Install it (Debian/Ubuntu: apt-get install openmpi-bin libopenmpi-dev) or set " +
      `${LIBRARY_ENV} to the path of libmpi.so.`,
  );
}

/**
 * Loads libmpi globally through libc's dlopen and returns the path that worked with the handle
 * to look the predefined objects up in.
 */
function loadGlobal(
  libc: Deno.DynamicLibrary<typeof LIBC>,
): { path: string; handle: Deno.PointerObject } {
  const given = Deno.env.get(LIBRARY_ENV);
  const errors: string[] = [];
  for (const path of given ? [given] : LIBRARY_NAMES) {
    const handle = libc.symbols.dlopen(cString(path), RTLD_NOW_GLOBAL);
    if (handle !== null) return { path, handle };
    const why = libc.symbols.dlerror();
    errors.push(why === null ? path : new Deno.UnsafePointerView(why).getCString());
  }
  throw missingLibrary(errors.join("; "));
}

function check(what: string, rc: number): void {
  if (rc !== 0) throw new RunError(`${what} failed (MPI error code ${rc})`);
}

/**
 * Initializes MPI in this process (MPI_Init_thread, serialized) and returns the world. Call it
 * only under mpirun: a process started alone would become a singleton world of one.
 */
export function initMpi(): MpiWorld {
  let libc: Deno.DynamicLibrary<typeof LIBC>;
  try {
    libc = Deno.dlopen("libc.so.6", LIBC);
  } catch (e) {
    throw missingLibrary(`libc: ${(e as Error).message}`);
  }
  const { path, handle } = loadGlobal(libc);
  const lookup = (name: string): Deno.PointerObject => {
    const p = libc.symbols.dlsym(handle, cString(name));
    if (p === null) {
      throw new RunError(
        `${path} has no symbol ${name}: only Open MPI is supported (MPICH and others define ` +
          "MPI_COMM_WORLD differently)",
      );
    }
    return p;
  };
  const comm = lookup("ompi_mpi_comm_world");
  const double = lookup("ompi_mpi_double");
  const ops = { min: lookup("ompi_mpi_op_min"), max: lookup("ompi_mpi_op_max") };
  let lib: Deno.DynamicLibrary<typeof MPI>;
  try {
    lib = Deno.dlopen(path, MPI);
  } catch (e) {
    throw missingLibrary((e as Error).message);
  }
  const mpi = lib.symbols;
  const provided = new Int32Array(1);
  check("MPI_Init_thread", mpi.MPI_Init_thread(null, null, THREAD_SERIALIZED, provided));
  if (provided[0] < THREAD_SERIALIZED) {
    throw new RunError(
      `${path} gives MPI thread level ${provided[0]}; ${THREAD_SERIALIZED} (serialized) is needed`,
    );
  }
  const text = new Uint8Array(VERSION_BYTES);
  const len = new Int32Array(1);
  check("MPI_Get_library_version", mpi.MPI_Get_library_version(text, len));
  const version = new TextDecoder().decode(text.subarray(0, len[0])).replace(/\0.*$/s, "").trim();
  if (!version.startsWith("Open MPI")) {
    throw new RunError(`${path} is "${version.split("\n")[0]}": only Open MPI is supported`);
  }
  const out = new Int32Array(1);
  check("MPI_Comm_rank", mpi.MPI_Comm_rank(comm, out));
  const rank = out[0];
  check("MPI_Comm_size", mpi.MPI_Comm_size(comm, out));
  const size = out[0];

  // One request handle and flag, reused: collectives are never two in flight (serialized).
  const request = new BigUint64Array(1);
  const flag = new Int32Array(1);
  const send = new Float64Array(1);
  const recv = new Float64Array(1);
  let busy = false;
  const complete = async (what: string, start: () => number): Promise<void> => {
    if (busy) throw new Error(`${what} while another MPI collective is in flight`);
    busy = true;
    try {
      check(what, start());
      for (;;) {
        check("MPI_Test", mpi.MPI_Test(request, flag, null));
        if (flag[0] !== 0) return;
        await new Promise((r) => setTimeout(r, POLL_MS));
      }
    } finally {
      busy = false;
    }
  };
  return {
    rank,
    size,
    version,
    async barrier() {
      await complete("MPI_Ibarrier", () => mpi.MPI_Ibarrier(comm, request));
      busy = true;
      try {
        check("MPI_Barrier", await mpi.MPI_Barrier(comm));
      } finally {
        busy = false;
      }
    },
    async allReduce(value, op) {
      send[0] = value;
      await complete(
        "MPI_Iallreduce",
        () => mpi.MPI_Iallreduce(send, recv, 1, double, ops[op], comm, request),
      );
      return recv[0];
    },
    finalize() {
      check("MPI_Finalize", mpi.MPI_Finalize());
      lib.close();
      libc.close();
    },
    abort(code) {
      mpi.MPI_Abort(comm, code);
    },
  };
}
