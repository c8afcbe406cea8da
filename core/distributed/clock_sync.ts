/**
 * Whether this host's clock was synchronized when the worker started: --start-at compares wall
 * clocks across hosts, so a worker whose clock is not disciplined (no NTP/PTP) may start off by
 * as much as its maximum error. Read with adjtimex(2) through FFI on glibc, with `modes` 0: a
 * read-only query that needs no privilege. Without FFI permission, off glibc or on any failure
 * the state is "unknown": the artifact says so rather than the run failing.
 */

export interface ClockSync {
  state: "synchronized" | "unsynchronized" | "unknown";
  /** The kernel's maximum and estimated error of the clock, µs (absent when unknown). */
  maxErrorUs?: number;
  estErrorUs?: number;
}

/** adjtimex's clock state when the clock is not synchronized (TIME_ERROR in <sys/timex.h>). */
const TIME_ERROR = 5;
/**
 * struct timex is 208 bytes on x86_64 and aarch64 glibc; a larger buffer leaves room for a libc
 * whose struct is longer, since the kernel writes the whole struct.
 */
const TIMEX_BYTES = 256;
/** Offsets of `long maxerror` and `long esterror` in struct timex on 64-bit Linux. */
const MAXERROR_AT = 24;
const ESTERROR_AT = 32;

const UNKNOWN: ClockSync = { state: "unknown" };

/** The clock facts from adjtimex's return value and the struct timex it filled. */
export function parseTimex(ret: number, timex: Uint8Array): ClockSync {
  if (ret < 0 || timex.byteLength < ESTERROR_AT + 8) return UNKNOWN;
  const view = new DataView(timex.buffer, timex.byteOffset, timex.byteLength);
  return {
    state: ret === TIME_ERROR ? "unsynchronized" : "synchronized",
    maxErrorUs: Number(view.getBigInt64(MAXERROR_AT, true)),
    estErrorUs: Number(view.getBigInt64(ESTERROR_AT, true)),
  };
}

/** This host's clock sync state; "unknown" without --allow-ffi or off 64-bit Linux glibc. */
export function readClockSync(): ClockSync {
  // Querying first: calling dlopen without the permission would prompt on a terminal.
  if (
    Deno.build.os !== "linux" || Deno.permissions.querySync({ name: "ffi" }).state !== "granted"
  ) {
    return UNKNOWN;
  }
  let lib: Deno.DynamicLibrary<{ adjtimex: { parameters: ["buffer"]; result: "i32" } }>;
  try {
    lib = Deno.dlopen("libc.so.6", { adjtimex: { parameters: ["buffer"], result: "i32" } });
  } catch {
    return UNKNOWN;
  }
  try {
    const timex = new Uint8Array(TIMEX_BYTES);
    return parseTimex(lib.symbols.adjtimex(timex), timex);
  } catch {
    return UNKNOWN;
  } finally {
    lib.close();
  }
}
