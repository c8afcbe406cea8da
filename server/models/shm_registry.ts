/**
 * The system shared-memory regions clients registered (docs/protocols.md §1.12). Deno has no mmap,
 * so a region is a window of a tmpfs file under /dev/shm, read and written at its offset on
 * each request; Triton maps the same object once at registration.
 */
import { invalidArg } from "../kserve/http_error.ts";

export interface RegionStatus {
  name: string;
  key: string;
  offset: number;
  byte_size: number;
}

/** Where a tensor lives: a window of a registered region. */
export interface RegionWindow {
  /** The registry the window came from, which reads and writes it. */
  registry: ShmRegistry;
  region: RegionStatus;
  offset: number;
  byteSize: number;
}

/**
 * POSIX shm object names map to files of the same name under /dev/shm. Like shm_open, only
 * one leading slash is allowed: a key can never name a file outside /dev/shm.
 */
export function shmPath(key: string): string | undefined {
  const name = key.startsWith("/") ? key.slice(1) : key;
  if (name === "" || name === "." || name === ".." || name.includes("/")) return undefined;
  return `/dev/shm/${name}`;
}

/**
 * Opens the file behind `key` only when it is a regular file of this process's user, reached
 * without a symlink: /dev/shm is world-writable, so anyone may plant a link there to a file
 * the server can read or write. Deno has no O_NOFOLLOW, so the path is lstat'ed first and the
 * opened file must be that same inode (a link swapped in between opens another one).
 */
export function openRegion(key: string, mode: Deno.OpenOptions): Deno.FsFile {
  const path = shmPath(key);
  // Triton's message alone for a key that names nothing; the reason when we refuse a file.
  const missing = invalidArg(`Unable to open shared memory region: '${key}'`);
  const refuse = (why: string) =>
    invalidArg(`Unable to open shared memory region: '${key}': ${why}`);
  if (path === undefined) throw missing;
  let before: Deno.FileInfo;
  try {
    before = Deno.lstatSync(path);
  } catch {
    throw missing;
  }
  if (!before.isFile) {
    throw refuse(
      before.isSymlink ? "it is a symbolic link, which is refused" : "not a regular file",
    );
  }
  if (before.uid !== Deno.uid()) throw refuse("the file belongs to another user");
  let file: Deno.FsFile;
  try {
    file = Deno.openSync(path, mode);
  } catch (e) {
    throw refuse((e as Error).message);
  }
  const after = file.statSync();
  if (after.dev !== before.dev || after.ino !== before.ino) {
    file.close();
    throw refuse("replaced while being opened");
  }
  return file;
}

function regionSize(key: string): number {
  using file = openRegion(key, { read: true });
  return file.statSync().size;
}

/** What the registry saw, so tests can tell data came by reference and regions were freed. */
export interface ShmTraffic {
  /** Regions registered now. */
  regions: number;
  inputsRead: number;
  outputsWritten: number;
}

export class ShmRegistry {
  readonly #regions = new Map<string, RegionStatus>();
  #inputsRead = 0;
  #outputsWritten = 0;

  traffic(): ShmTraffic {
    return {
      regions: this.#regions.size,
      inputsRead: this.#inputsRead,
      outputsWritten: this.#outputsWritten,
    };
  }

  register(name: string, key: string, offset: number, byteSize: number): void {
    if (this.#regions.has(name)) {
      throw invalidArg(`shared memory region '${name}' already in manager`);
    }
    const size = regionSize(key);
    if (offset + byteSize > size) {
      throw invalidArg(
        `failed to register shared memory region '${name}': offset ${offset} + byte_size ` +
          `${byteSize} exceeds the ${size} bytes of '${key}'`,
      );
    }
    this.#regions.set(name, { name, key, offset, byte_size: byteSize });
  }

  /** Every region, or the named one (an unknown name is an error, as in Triton). */
  status(name: string): RegionStatus[] {
    if (name === "") return [...this.#regions.values()];
    const r = this.#regions.get(name);
    if (r === undefined) {
      throw invalidArg(`Unable to find system shared memory region: '${name}'`);
    }
    return [r];
  }

  /** Removes the named region, or all when the name is empty; unknown names are no-ops. */
  unregister(name: string): void {
    if (name === "") this.#regions.clear();
    else this.#regions.delete(name);
  }

  /** The window a tensor names; Triton's messages for an unknown region or a bad range. */
  window(name: string, offset: number, byteSize: number): RegionWindow {
    const region = this.#regions.get(name);
    if (region === undefined) {
      throw invalidArg(`Unable to find shared memory region: '${name}'`);
    }
    if (offset < 0 || offset > region.byte_size) {
      throw invalidArg(`Invalid offset for shared memory region: '${name}'`);
    }
    if (byteSize < 0 || offset + byteSize > region.byte_size) {
      throw invalidArg(`Invalid offset + byte size for shared memory region: '${name}'`);
    }
    return { registry: this, region, offset, byteSize };
  }

  read(w: RegionWindow): Uint8Array {
    const out = new Uint8Array(w.byteSize);
    using file = openRegion(w.region.key, { read: true });
    file.seekSync(w.region.offset + w.offset, Deno.SeekMode.Start);
    let got = 0;
    // Bounded: each read advances or ends at end of file.
    while (got < out.length) {
      const n = file.readSync(out.subarray(got));
      if (n === null || n === 0) break;
      got += n;
    }
    if (got < out.length) {
      throw invalidArg(`shared memory region '${w.region.name}' is shorter than registered`);
    }
    this.#inputsRead++;
    return out;
  }

  /** Writes an output; refuses a window too small, with Triton's message. */
  write(w: RegionWindow, output: string, data: Uint8Array): void {
    if (data.length > w.byteSize) {
      throw invalidArg(
        `shared memory size specified with the request for output '${output}' (${w.byteSize} ` +
          `bytes) should be at least ${data.length} bytes to hold the results`,
      );
    }
    using file = openRegion(w.region.key, { write: true });
    file.seekSync(w.region.offset + w.offset, Deno.SeekMode.Start);
    let put = 0;
    while (put < data.length) put += file.writeSync(data.subarray(put));
    this.#outputsWritten++;
  }
}
