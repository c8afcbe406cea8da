/**
 * A plain TCP connection opened through libc (Deno FFI) whose reads say when their bytes reached
 * the socket, as the kernel stamped them (SO_TIMESTAMPNS), instead of when JavaScript got to
 * them. A client that is busy (parsing 256 streams' replies that landed at once) would otherwise
 * add its own queue to every time it measures: the read's continuation runs only after the
 * replies before it were handled. Deno gives no file descriptor for Deno.connect sockets, hence
 * our own.
 *
 * I/O: the sockets are nonblocking. A read or write is tried at once with a synchronous FFI call
 * (a fast call, well under a microsecond); only when the kernel has nothing (EAGAIN) does the
 * connection wait on the process's one reactor: an epoll set watched by a single `epoll_wait`
 * run on Deno's blocking pool (`nonblocking: true` FFI, about 15 µs of CPU per wake, shared by
 * every socket that became ready meanwhile; the only read in flight polls a little first, see
 * ReadPolling). The sockets are registered once, edge-triggered,
 * so waiting costs no epoll_ctl per read. The reactor runs only while an operation waits, so an
 * idle process exits; closing the last waiting socket wakes it through an eventfd.
 *
 * Stamps: the kernel stamps each received segment with CLOCK_REALTIME; recvmsg returns the stamp
 * of the last segment the call copied (segments coalesced in the receive queue carry the newest
 * one). A read that takes several segments is thus stamped with its last: never earlier than any
 * of its bytes arrived, late for the earlier ones by the gap between the segments. The stamp is
 * turned into the process's monotonic clock (performance.now(), see {@link nowNs}) by its age:
 * realtime now minus the stamp, subtracted from the monotonic now read around that realtime
 * reading. The readings are a fraction of a microsecond apart, so clock slewing cannot skew the
 * result; two stamps of one segment agree within about a microsecond.
 *
 * Linux only, on x86_64 and aarch64 (the struct layouts below are theirs), with glibc.
 */

import { type ByteStream, type Connector, nowNs } from "./byte_stream.ts";

// Linux constants, equal on x86_64 and aarch64 (asm-generic).
const AF_INET = 2;
const AF_INET6 = 10;
const SOCK_STREAM = 1;
const SOCK_DGRAM = 2;
const SOCK_NONBLOCK = 0o4000;
const SOCK_CLOEXEC = 0o2000000;
const SOL_SOCKET = 1;
const SO_ERROR = 4;
const SO_TIMESTAMPNS = 35;
const SCM_TIMESTAMPNS = SO_TIMESTAMPNS;
const IPPROTO_TCP = 6;
const TCP_NODELAY = 1;
const MSG_NOSIGNAL = 0x4000;
const EPOLL_CTL_ADD = 1;
const EPOLLIN = 0x1;
const EPOLLOUT = 0x4;
const EPOLLERR = 0x8;
const EPOLLHUP = 0x10;
const EPOLLRDHUP = 0x2000;
const EPOLLET = 0x80000000;
const EPOLL_CLOEXEC = 0o2000000;
const EFD_NONBLOCK = 0o4000;
const EFD_CLOEXEC = 0o2000000;
const CLOCK_REALTIME = 0;
const EINTR = 4;
const EAGAIN = 11;
const EINPROGRESS = 115;

/** struct epoll_event is packed on x86_64 (12 bytes), naturally aligned elsewhere (16). */
const EVENT_BYTES = Deno.build.arch === "x86_64" ? 12 : 16;
const EVENT_DATA_AT = Deno.build.arch === "x86_64" ? 4 : 8;
/** Clock readings around the realtime one wider than this are taken again, REREADS times. */
const NARROW_NS = 2_000;
const REREADS = 2;
/** Ready sockets taken per wake. */
const MAX_EVENTS = 256;

/**
 * ssize_t results are declared i32: the counts fit (a read never asks for 2 GiB) and -1 stays
 * -1, and a 32-bit result comes back as a plain number where a 64-bit one may be a bigint.
 */
const LIBC = {
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  recvmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  sendmsg: { parameters: ["i32", "buffer", "i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  epoll_create1: { parameters: ["i32"], result: "i32" },
  epoll_ctl: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  epoll_wait: {
    parameters: ["i32", "buffer", "i32", "i32"],
    result: "i32",
    nonblocking: true,
  },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  clock_gettime: { parameters: ["i32", "buffer"], result: "i32" },
  getaddrinfo: {
    parameters: ["buffer", "pointer", "buffer", "buffer"],
    result: "i32",
    nonblocking: true,
  },
  freeaddrinfo: { parameters: ["pointer"], result: "void" },
  gai_strerror: { parameters: ["i32"], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  __errno_location: { parameters: [], result: "pointer" },
} as const;

type Libc = Deno.DynamicLibrary<typeof LIBC>["symbols"];

let libc: Libc | null = null;
/** The JS thread's errno (thread-local; synchronous FFI calls run on this thread). */
let errnoView: Deno.UnsafePointerView | null = null;
/** Why kernel stamps cannot be had here, once found out; "" when they can. */
let unavailable: string | undefined;

function lib(): Libc {
  if (libc === null) {
    const why = kernelStampsUnavailable();
    if (why !== "") throw new Error(`kernel receive timestamps are unavailable: ${why}`);
  }
  return libc!;
}

function errno(): number {
  return errnoView!.getInt32(0);
}

function strerror(code: number): string {
  const p = libc!.strerror(code);
  return p === null ? `error ${code}` : Deno.UnsafePointerView.getCString(p);
}

/**
 * The error Deno.connect or a Deno.Conn would throw for `code`, so one mapping
 * (wire/net/transport_error.ts) words failures the same on both transports.
 */
export function errnoError(code: number): Error {
  const message = `${strerror(code)} (os error ${code})`;
  switch (code) {
    case 111:
      return new Deno.errors.ConnectionRefused(message);
    case 104:
      return new Deno.errors.ConnectionReset(message);
    case 32:
      return new Deno.errors.BrokenPipe(message);
    case 103:
      return new Deno.errors.ConnectionAborted(message);
    case 110:
      return new Deno.errors.TimedOut(message);
    case 107:
      return new Deno.errors.NotConnected(message);
    case 99:
      return new Deno.errors.AddrNotAvailable(message);
    default:
      return new Error(message);
  }
}

/**
 * Why this process cannot open kernel-stamped sockets, or "" when it can: Linux on x86_64 or
 * aarch64, --allow-ffi granted, glibc's libc.so.6 loadable, and the kernel accepting
 * SO_TIMESTAMPNS on a TCP socket. Checked once (the permission is queried first: a dlopen
 * without it would prompt on a terminal).
 */
export function kernelStampsUnavailable(): string {
  if (unavailable !== undefined) return unavailable;
  const { os, arch } = Deno.build;
  if (os !== "linux") return "they need Linux (SO_TIMESTAMPNS); this is " + os;
  if (arch !== "x86_64" && arch !== "aarch64") {
    return "they need x86_64 or aarch64 (the socket structs are laid out for those); this is " +
      arch;
  }
  if (Deno.permissions.querySync({ name: "ffi" }).state !== "granted") {
    // Not cached: the permission may be granted later (a test, a prompt).
    return "they need --allow-ffi (the sockets are opened through libc)";
  }
  let symbols: Libc;
  try {
    symbols = Deno.dlopen("libc.so.6", LIBC).symbols;
  } catch (e) {
    return unavailable = `glibc's libc.so.6 could not be loaded (${(e as Error).message})`;
  }
  libc = symbols;
  errnoView = new Deno.UnsafePointerView(symbols.__errno_location()!);
  const fd = symbols.socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return unavailable = `socket() failed: ${strerror(errno())}`;
  const ok = symbols.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, ONE, 4) === 0;
  const why = ok ? "" : `the kernel refused SO_TIMESTAMPNS: ${strerror(errno())}`;
  symbols.close(fd);
  return unavailable = why;
}

const ONE = new Uint8Array(new Int32Array([1]).buffer);

/** Writes a user-space address (below 2^53 on both architectures) as a 64-bit field. */
function setAddress(view: DataView, at: number, address: number): void {
  view.setUint32(at, address % 0x100000000, true);
  view.setUint32(at + 4, Math.floor(address / 0x100000000), true);
}

/** The address of an ArrayBuffer's bytes (off the V8 heap, so they never move). */
function addressOf(buffer: ArrayBufferLike): number {
  return Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(buffer as ArrayBuffer)));
}

/**
 * Where a view's bytes start in memory. Taking an address allocates (a pointer object and a
 * bigint), so the last ArrayBuffer's is kept: reads reuse one buffer, writes one request.
 */
class AddressCache {
  #buffer: ArrayBufferLike | null = null;
  #address = 0;

  of(bytes: Uint8Array): number {
    if (bytes.buffer !== this.#buffer) {
      this.#buffer = bytes.buffer;
      this.#address = addressOf(bytes.buffer);
    }
    return this.#address + bytes.byteOffset;
  }
}

/** How long a read may poll its socket before it waits on the reactor (see ReadPolling). */
const POLL_NS = 100_000;
/** Reads that skip polling after a poll that found nothing; doubled per miss up to the cap. */
const POLL_SKIPS_MIN = 64;
const POLL_SKIPS_MAX = 65_536;

/**
 * Whether a read that found its socket empty polls it a little before waiting. A wait on the
 * reactor wakes a thread of Deno's blocking pool, which then wakes the JavaScript thread: on an
 * otherwise idle machine both wakes leave idle CPUs, and in a closed loop against a server that
 * answers in microseconds (a loopback mock, one stream) they are most of each round trip. So
 * the only read in flight (nothing else waits, so polling delays no other socket) tries recvmsg
 * again for up to POLL_NS before it waits. A poll that finds nothing (a server that takes
 * milliseconds, or one in this very process, which cannot answer while we poll) turns polling
 * off for the next POLL_SKIPS_MIN reads, twice as many after each further miss, so a slow
 * server costs at most one POLL_NS spin per thousands of reads. Stamps are not affected: they
 * are the kernel's either way.
 */
export class ReadPolling {
  #skips = 0;
  #skipsAfterMiss = POLL_SKIPS_MIN;

  constructor(private readonly othersWaiting: () => boolean) {}

  mayPoll(): boolean {
    if (this.othersWaiting()) return false;
    if (this.#skips > 0) {
      this.#skips--;
      return false;
    }
    return true;
  }

  hit(): void {
    this.#skipsAfterMiss = POLL_SKIPS_MIN;
  }

  missed(): void {
    this.#skips = this.#skipsAfterMiss;
    this.#skipsAfterMiss = Math.min(this.#skipsAfterMiss * 2, POLL_SKIPS_MAX);
  }
}

/** The process's epoll set, watched by at most one epoll_wait at a time. */
class Reactor {
  readonly #epfd: number;
  readonly #wakeFd: number;
  readonly #events = new Uint8Array(EVENT_BYTES * MAX_EVENTS);
  readonly #eventView = new DataView(this.#events.buffer);
  readonly #ctl = new Uint8Array(16);
  readonly #ctlView = new DataView(this.#ctl.buffer);
  readonly #drain = new Uint8Array(8);
  readonly #conns = new Map<number, KernelTcpConn>();
  /** Operations waiting for readiness; the loop runs while there are any. */
  #waiting = 0;
  #loop: Promise<void> | null = null;
  readonly polling = new ReadPolling(() => this.#waiting > 0);

  constructor(private readonly c: Libc) {
    this.#epfd = c.epoll_create1(EPOLL_CLOEXEC);
    if (this.#epfd < 0) throw errnoError(errno());
    this.#wakeFd = c.eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (this.#wakeFd < 0) throw errnoError(errno());
    this.#add(this.#wakeFd, EPOLLIN | EPOLLET);
  }

  /** Watches `conn` for good: edge-triggered, so readiness is reported once per change. */
  register(fd: number, conn: KernelTcpConn): void {
    this.#add(fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET);
    this.#conns.set(fd, conn);
  }

  #add(fd: number, events: number): void {
    this.#ctlView.setUint32(0, events, true);
    this.#ctlView.setInt32(EVENT_DATA_AT, fd, true);
    if (this.c.epoll_ctl(this.#epfd, EPOLL_CTL_ADD, fd, this.#ctl) !== 0) {
      throw errnoError(errno());
    }
  }

  /** Closing the descriptor takes it out of the epoll set. */
  forget(fd: number): void {
    this.#conns.delete(fd);
  }

  /** An operation found the socket not ready. */
  wait(): void {
    this.#waiting++;
    if (this.#loop === null) this.#loop = this.#run();
  }

  /** A waiting operation ended; `byClose` when no event did it (the loop must hear of it). */
  done(byClose: boolean): void {
    this.#waiting--;
    if (byClose && this.#waiting === 0 && this.#loop !== null) {
      this.#drain.fill(0);
      this.#drain[0] = 1;
      this.c.write(this.#wakeFd, this.#drain, 8n);
    }
  }

  /** Settles once no operation waits and the last epoll_wait returned (tests await it). */
  idle(): Promise<void> {
    return this.#loop ?? Promise.resolve();
  }

  async #run(): Promise<void> {
    const c = this.c;
    try {
      while (this.#waiting > 0) {
        const n = await c.epoll_wait(this.#epfd, this.#events, MAX_EVENTS, -1);
        for (let i = 0; i < n; i++) {
          const at = i * EVENT_BYTES;
          const fd = this.#eventView.getInt32(at + EVENT_DATA_AT, true);
          if (fd === this.#wakeFd) {
            c.read(fd, this.#drain, 8n);
            continue;
          }
          this.#conns.get(fd)?.ready(this.#eventView.getUint32(at, true));
        }
        // n < 0 is EINTR on the pool's thread (its errno is not ours): wait again.
      }
    } finally {
      this.#loop = null;
    }
  }
}

let reactor: Reactor | null = null;

function theReactor(c: Libc): Reactor {
  return reactor ??= new Reactor(c);
}

/** Opens a kernel-stamped connection: the connector HttpTarget.connect takes. */
export const connectKernelTcp: Connector = (hostname, port) =>
  KernelTcpConn.connect(hostname, port);

/** Resolves when the reactor has stopped (no operation waits): tests end with no FFI call open. */
export function kernelReactorIdle(): Promise<void> {
  return reactor?.idle() ?? Promise.resolve();
}

// Byte layout of one connection's native structs, all in one ArrayBuffer (so off the V8 heap:
// the msghdr holds the addresses of the iovec and control buffer).
const MSG_AT = 0; // struct msghdr, 56 bytes
const MSG_IOV = MSG_AT + 16;
const MSG_IOVLEN = MSG_AT + 24;
const MSG_CONTROL = MSG_AT + 32;
const MSG_CONTROLLEN = MSG_AT + 40;
const IOV_AT = 64; // struct iovec, 16 bytes
const CONTROL_AT = 80; // cmsghdr (16) + struct timespec (16), with room to spare
const CONTROL_BYTES = 64;
const NOW_AT = 144; // struct timespec for clock_gettime
const SEND_MSG_AT = 160; // the writes' struct msghdr (a write may run while a read waits)
const SEND_IOV_AT = 216; // and their iovec
const NATIVE_BYTES = 232;

/** A connected nonblocking TCP socket with kernel-stamped reads; see the module comment. */
export class KernelTcpConn implements ByteStream {
  #fd: number;
  readonly #c: Libc;
  readonly #reactor: Reactor;
  readonly #native = new ArrayBuffer(NATIVE_BYTES);
  readonly #msg = new Uint8Array(this.#native, MSG_AT, 56);
  readonly #sendMsg = new Uint8Array(this.#native, SEND_MSG_AT, 56);
  readonly #view = new DataView(this.#native);
  readonly #now = new Uint8Array(this.#native, NOW_AT, 16);
  readonly #readAddress = new AddressCache();
  readonly #writeAddress = new AddressCache();
  #into: Uint8Array = this.#msg;
  #readResolve: (n: number | null) => void = noop;
  #readReject: (e: unknown) => void = noop;
  #readWaiting = false;
  #readPending = false;
  /** A write or the connect waits for EPOLLOUT. */
  #writeWaiting = false;
  #writeBytes: Uint8Array = this.#msg;
  #writeResolve: (n: number) => void = noop;
  #writeReject: (e: unknown) => void = noop;
  /** Set by connect(): a pending write is the connect's completion. */
  #connecting = false;
  receivedNs = 0;

  /** Bound once: a read allocates its promise only, not an executor closure as well. */
  readonly #captureRead = (
    resolve: (n: number | null) => void,
    reject: (e: unknown) => void,
  ): void => {
    this.#readResolve = resolve;
    this.#readReject = reject;
  };
  readonly #captureWrite = (resolve: (n: number) => void, reject: (e: unknown) => void): void => {
    this.#writeResolve = resolve;
    this.#writeReject = reject;
  };

  private constructor(c: Libc, fd: number) {
    this.#c = c;
    this.#fd = fd;
    this.#reactor = theReactor(c);
    const v = this.#view;
    const base = addressOf(this.#native);
    setAddress(v, MSG_IOV, base + IOV_AT);
    setAddress(v, MSG_IOVLEN, 1);
    setAddress(v, MSG_CONTROL, base + CONTROL_AT);
    setAddress(v, SEND_MSG_AT + 16, base + SEND_IOV_AT);
    setAddress(v, SEND_MSG_AT + 24, 1);
  }

  /**
   * Connects to `hostname:port` (resolved by getaddrinfo; each address in turn until one
   * answers). Fails as Deno.connect does: ConnectionRefused, a lookup error, NotCapable without
   * net permission for the address (our sockets must not sidestep --allow-net).
   */
  static async connect(hostname: string, port: number): Promise<KernelTcpConn> {
    const c = lib();
    const host = hostname.includes(":") ? `[${hostname}]` : hostname;
    if (Deno.permissions.querySync({ name: "net", host: `${host}:${port}` }).state !== "granted") {
      throw new Deno.errors.NotCapable(
        `Requires net access to "${host}:${port}", run again with the --allow-net flag`,
      );
    }
    await (stampsOn ??= switchStampsOn(c));
    let last: unknown;
    for (const address of await resolve(c, hostname, port)) {
      try {
        return await KernelTcpConn.#open(c, address);
      } catch (e) {
        last = e;
      }
    }
    throw last;
  }

  static async #open(c: Libc, address: Uint8Array): Promise<KernelTcpConn> {
    const family = address[0] | (address[1] << 8);
    const fd = c.socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw errnoError(errno());
    if (
      c.setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, ONE, 4) !== 0 ||
      c.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, ONE, 4) !== 0
    ) {
      const e = errnoError(errno());
      c.close(fd);
      throw e;
    }
    const conn = new KernelTcpConn(c, fd);
    try {
      conn.#reactor.register(fd, conn);
    } catch (e) {
      c.close(fd);
      throw e;
    }
    if (c.connect(fd, address, address.length) !== 0) {
      const code = errno();
      if (code !== EINPROGRESS) {
        conn.close();
        throw errnoError(code);
      }
      conn.#connecting = true;
      const connected = new Promise<number>(conn.#captureWrite);
      conn.#waitWritable();
      try {
        await connected;
      } catch (e) {
        conn.close();
        throw e;
      }
    }
    return conn;
  }

  /** Starts waiting for EPOLLOUT (connect or a full send buffer). */
  #waitWritable(): void {
    this.#writeWaiting = true;
    this.#reactor.wait();
  }

  read(into: Uint8Array): Promise<number | null> {
    if (this.#fd < 0) return Promise.reject(new Deno.errors.BadResource("Bad resource ID"));
    if (this.#readPending) return Promise.reject(new Deno.errors.Busy("a read is in progress"));
    this.#into = into;
    const p = new Promise<number | null>(this.#captureRead);
    this.#readPending = true;
    this.#tryRead();
    return p;
  }

  /**
   * Tries the pending read; on EAGAIN it may poll a little (ReadPolling), then waits for the
   * socket's next readiness edge.
   */
  #tryRead(): void {
    const into = this.#into;
    const v = this.#view;
    setAddress(v, IOV_AT, this.#readAddress.of(into));
    setAddress(v, IOV_AT + 8, into.length);
    setAddress(v, MSG_CONTROLLEN, CONTROL_BYTES);
    let n: number;
    /** While > 0, the read polls the socket until then (see ReadPolling). */
    let pollUntil = 0;
    while ((n = this.#c.recvmsg(this.#fd, this.#msg, 0)) < 0) {
      const code = errno();
      if (code === EINTR) continue;
      if (code === EAGAIN) {
        if (pollUntil === 0 && !this.#readWaiting && this.#reactor.polling.mayPoll()) {
          pollUntil = nowNs() + POLL_NS;
        }
        if (pollUntil > 0) {
          if (nowNs() < pollUntil) continue;
          this.#reactor.polling.missed();
          pollUntil = -1;
        }
        if (!this.#readWaiting) {
          this.#readWaiting = true;
          this.#reactor.wait();
        }
        return;
      }
      this.#settleRead(errnoError(code));
      return;
    }
    if (pollUntil > 0) this.#reactor.polling.hit();
    this.receivedNs = n > 0 ? this.#stamp() : nowNs();
    this.#settleRead(null, n === 0 ? null : n);
  }

  #settleRead(error: Error | null, n: number | null = null): void {
    this.#readPending = false;
    if (this.#readWaiting) {
      this.#readWaiting = false;
      this.#reactor.done(false);
    }
    if (error === null) this.#readResolve(n);
    else this.#readReject(error);
  }

  /** The read's kernel stamp on the monotonic clock; now when the call returned none. */
  #stamp(): number {
    const v = this.#view;
    const controlLength = v.getUint32(MSG_CONTROLLEN, true);
    if (
      controlLength < 32 || v.getInt32(CONTROL_AT + 8, true) !== SOL_SOCKET ||
      v.getInt32(CONTROL_AT + 12, true) !== SCM_TIMESTAMPNS
    ) {
      return nowNs();
    }
    // The monotonic now is the middle of two readings around the realtime one; a preemption
    // between them would move it by half its length, so a wide pair is read again.
    let before = nowNs();
    this.#c.clock_gettime(CLOCK_REALTIME, this.#now);
    let after = nowNs();
    for (let i = 0; i < REREADS && after - before > NARROW_NS; i++) {
      before = nowNs();
      this.#c.clock_gettime(CLOCK_REALTIME, this.#now);
      after = nowNs();
    }
    const mono = (before + after) / 2;
    // Seconds fit 32 bits until 2106; each difference is exact in a float64.
    const ageNs = (v.getUint32(NOW_AT, true) - v.getUint32(CONTROL_AT + 16, true)) * 1e9 +
      (v.getUint32(NOW_AT + 8, true) - v.getUint32(CONTROL_AT + 24, true));
    return ageNs > 0 ? mono - ageNs : mono;
  }

  write(bytes: Uint8Array): Promise<number> {
    if (this.#fd < 0) return Promise.reject(new Deno.errors.BadResource("Bad resource ID"));
    if (this.#writeWaiting) return Promise.reject(new Deno.errors.Busy("a write is in progress"));
    const n = this.#send(bytes);
    if (n >= 0) return Promise.resolve(n);
    const code = errno();
    if (code !== EAGAIN && code !== EINTR) return Promise.reject(errnoError(code));
    this.#writeBytes = bytes;
    const p = new Promise<number>(this.#captureWrite);
    this.#waitWritable();
    return p;
  }

  /** sendmsg rather than send: its length travels in the iovec, not as a size_t argument. */
  #send(bytes: Uint8Array): number {
    const v = this.#view;
    setAddress(v, SEND_IOV_AT, this.#writeAddress.of(bytes));
    setAddress(v, SEND_IOV_AT + 8, bytes.length);
    return this.#c.sendmsg(this.#fd, this.#sendMsg, MSG_NOSIGNAL);
  }

  /** The reactor saw readiness `events` on this socket. */
  ready(events: number): void {
    if (this.#readWaiting && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) !== 0) {
      this.#tryRead();
    }
    if (this.#writeWaiting && (events & (EPOLLOUT | EPOLLHUP | EPOLLERR)) !== 0) {
      if (this.#connecting) this.#finishConnect();
      else this.#tryWrite();
    }
  }

  #finishConnect(): void {
    const err = new Uint8Array(4);
    const len = new Uint8Array(new Uint32Array([4]).buffer);
    this.#c.getsockopt(this.#fd, SOL_SOCKET, SO_ERROR, err, len);
    const code = new DataView(err.buffer).getInt32(0, true);
    this.#connecting = false;
    this.#settleWrite(code === 0 ? null : errnoError(code), 0);
  }

  #tryWrite(): void {
    const bytes = this.#writeBytes;
    const n = this.#send(bytes);
    if (n >= 0) return this.#settleWrite(null, n);
    const code = errno();
    if (code !== EAGAIN && code !== EINTR) this.#settleWrite(errnoError(code), 0);
  }

  #settleWrite(error: Error | null, n: number, byClose = false): void {
    this.#writeWaiting = false;
    this.#writeBytes = this.#msg;
    this.#reactor.done(byClose);
    if (error === null) this.#writeResolve(n);
    else this.#writeReject(error);
  }

  /** Closes the socket; a read, write or connect in progress fails as Deno's do ("canceled"). */
  close(): void {
    const fd = this.#fd;
    if (fd < 0) return;
    this.#fd = -1;
    this.#reactor.forget(fd);
    this.#c.close(fd);
    const canceled = () => new Deno.errors.Interrupted("operation canceled");
    if (this.#readPending) {
      this.#readPending = false;
      if (this.#readWaiting) {
        this.#readWaiting = false;
        this.#reactor.done(true);
      }
      this.#readReject(canceled());
    }
    if (this.#writeWaiting) this.#settleWrite(canceled(), 0, true);
  }
}

function noop(): void {}

/** Settles once the kernel stamps received packets (see {@link switchStampsOn}). */
let stampsOn: Promise<void> | null = null;
/** Tries of {@link switchStampsOn}, a millisecond apart. */
const SWITCH_TRIES = 500;

/**
 * The kernel stamps received packets only while some socket asks for stamps, and it switches
 * that on lazily: the first such socket schedules the switch on a workqueue, so a reply that
 * lands before the worker ran comes without a stamp (the read then falls back to the clock),
 * and closing the last such socket switches it off again. So one UDP socket asking for stamps
 * stays open for the life of the process, and the first connection waits until a datagram it
 * sends itself comes back stamped. Should that never happen, reads fall back as said.
 */
async function switchStampsOn(c: Libc): Promise<void> {
  const fd = c.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return;
  const native = new ArrayBuffer(192);
  const v = new DataView(native);
  const address = new Uint8Array(native, 0, 16);
  const addressLength = new Uint8Array(native, 16, 4);
  const msg = new Uint8Array(native, 24, 56);
  v.setUint16(0, AF_INET, true);
  address.set([127, 0, 0, 1], 4);
  v.setUint32(16, 16, true);
  if (
    c.setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, ONE, 4) !== 0 ||
    c.bind(fd, address, 16) !== 0 || c.getsockname(fd, address, addressLength) !== 0 ||
    c.connect(fd, address, 16) !== 0
  ) {
    c.close(fd);
    return;
  }
  // msghdr at 24 → iovec at 80 (one byte at 96) and a control buffer at 104 (64 bytes).
  const base = addressOf(native);
  setAddress(v, 24 + 16, base + 80);
  setAddress(v, 24 + 24, 1);
  setAddress(v, 80, base + 96);
  setAddress(v, 88, 1);
  for (let i = 0; i < SWITCH_TRIES; i++) {
    setAddress(v, 24 + 32, 0);
    setAddress(v, 24 + 40, 0);
    c.sendmsg(fd, msg, 0);
    setAddress(v, 24 + 32, base + 104);
    setAddress(v, 24 + 40, CONTROL_BYTES);
    if (c.recvmsg(fd, msg, 0) === 1 && v.getUint32(24 + 40, true) >= 32) return;
    await new Promise((r) => setTimeout(r, 1));
  }
}

/** Addresses of `hostname` (IPv4 and IPv6 literals included) as sockaddr bytes with `port`. */
async function resolve(c: Libc, hostname: string, port: number): Promise<Uint8Array[]> {
  const hints = new Uint8Array(48);
  new DataView(hints.buffer).setInt32(8, SOCK_STREAM, true); // ai_socktype
  const node = new TextEncoder().encode(`${hostname}\0`);
  const out = new BigUint64Array(1);
  const rc = await c.getaddrinfo(node, null, hints, new Uint8Array(out.buffer));
  if (rc !== 0) {
    const p = c.gai_strerror(rc);
    const text = p === null ? `error ${rc}` : Deno.UnsafePointerView.getCString(p);
    throw new Error(`failed to lookup address information: ${text}`);
  }
  const addresses: Uint8Array[] = [];
  const head = Deno.UnsafePointer.create(out[0]);
  // struct addrinfo on LP64: family at 4, addrlen at 16, addr at 24, next at 40.
  for (let p = head; p !== null;) {
    const info = new Deno.UnsafePointerView(p);
    const family = info.getInt32(4);
    const length = info.getUint32(16);
    const addr = info.getPointer(24);
    if ((family === AF_INET || family === AF_INET6) && addr !== null) {
      const bytes = new Uint8Array(length);
      new Deno.UnsafePointerView(addr).copyInto(bytes);
      new DataView(bytes.buffer).setUint16(2, port, false);
      addresses.push(bytes);
    }
    p = info.getPointer(40);
  }
  if (head !== null) c.freeaddrinfo(head);
  if (addresses.length === 0) {
    throw new Error(`failed to lookup address information: no address for ${hostname}`);
  }
  return addresses;
}
