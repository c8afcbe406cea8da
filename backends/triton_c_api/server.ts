/**
 * The in-process Triton server behind the triton_c_api backend, started the way perf_analyzer's
 * triton_loader.cc does (docs/protocols.md §6.1): API version check, server options, ServerNew,
 * live+ready polling (500 ms × 10), then model readiness, metadata, config and statistics read
 * from TRITONSERVER_Message JSON.
 */
import { RunError } from "../../core/errors.ts";
import { check, outPointer, pointerIn, report, takeErrorText, takeMessageJson } from "./call.ts";
import {
  cString,
  openLibrary,
  QUEUE_LIBRARY_ENV,
  QUEUE_SYMBOLS,
  type QueueLib,
  queueLibraryPath,
  TRITON_SYMBOLS,
  type TritonLib,
} from "./ffi.ts";

export interface ServerSettings {
  /** --triton-server-directory: holds lib/libtritonserver.so, backends/, repoagents/. */
  serverDirectory: string;
  /** --model-repository */
  modelRepository: string;
  verbose: boolean;
  /** Where perf_analyzer's own lines go ("server is alive!"). */
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const POLL_MS = 500;
const POLL_TRIES = 10;
/** The API major version this binding is written against (tritonserver.h 1.34). */
const API_MAJOR = 1;
const API_MINOR = 34;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class InProcessServer {
  private constructor(
    readonly lib: TritonLib,
    readonly queueLib: QueueLib,
    readonly server: Deno.PointerObject,
    readonly allocator: Deno.PointerObject,
    private readonly unloadLibraries: () => void,
  ) {}

  /** ServerDelete: Triton finishes what it has queued, so no callback fires after this. */
  async stopServer(): Promise<void> {
    const err = await this.lib.TRITONSERVER_ServerDelete(this.server);
    if (err !== null) takeErrorText(this.lib, err);
  }

  /** Frees the allocator and closes both libraries; call after stopServer and cleanup. */
  unload(): void {
    const err = this.lib.TRITONSERVER_ResponseAllocatorDelete(this.allocator);
    if (err !== null) takeErrorText(this.lib, err);
    this.unloadLibraries();
  }

  static async start(s: ServerSettings): Promise<InProcessServer> {
    const path = `${s.serverDirectory}/lib/libtritonserver.so`;
    const triton = openLibrary(
      path,
      TRITON_SYMBOLS,
      "--triton-server-directory must name a Triton install (the directory holding lib/)",
    );
    let queue: Deno.DynamicLibrary<typeof QUEUE_SYMBOLS> | undefined;
    let server: Deno.PointerObject | undefined;
    const lib = triton.symbols;
    try {
      queue = openLibrary(
        queueLibraryPath(s.serverDirectory),
        QUEUE_SYMBOLS,
        `build it with scripts/build_fake_tritonserver.sh DIR and set ${QUEUE_LIBRARY_ENV}=` +
          `DIR/lib/libpa_completion_queue.so`,
      );
      checkVersion(lib, s.stderr);
      server = await newServer(lib, s);
      await waitHealthy(lib, server);
      s.stdout("server is alive!\n");
      if (s.verbose) s.stdout(`Server Status:\n${JSON.stringify(serverMetadata(lib, server))}\n`);
      const out = outPointer();
      const q = queue.symbols;
      check(
        lib,
        lib.TRITONSERVER_ResponseAllocatorNew(
          out,
          q.pa_cq_alloc_fn(),
          q.pa_cq_alloc_release_fn(),
          null,
        ),
        "creating response allocator",
      );
      const allocator = pointerIn(out)!;
      const libs = queue;
      return new InProcessServer(lib, q, server, allocator, () => {
        libs.close();
        triton.close();
      });
    } catch (e) {
      if (server) await lib.TRITONSERVER_ServerDelete(server);
      queue?.close();
      triton.close();
      throw e;
    }
  }

  /**
   * Waits for the model like perf_analyzer (500 ms × 10), but stops at once when the server
   * does not know the model: a server that has started has loaded its repository already.
   */
  async waitModel(model: string, version: bigint): Promise<void> {
    const name = cString(model);
    const ready = new Uint8Array(1);
    for (let i = 0;; i++) {
      check(
        this.lib,
        this.lib.TRITONSERVER_ServerModelIsReady(this.server, name, version, ready),
        "unable to get model readiness",
      );
      if (ready[0]) return;
      this.modelMetadata(model, version);
      if (i + 1 >= POLL_TRIES) throw new RunError("model failed to be ready in 10 iterations");
      await sleep(POLL_MS);
    }
  }

  modelMetadata(model: string, version: bigint): unknown {
    const out = outPointer();
    const what = "failed to get model metadata";
    const err = this.lib.TRITONSERVER_ServerModelMetadata(
      this.server,
      cString(model),
      version,
      out,
    );
    check(this.lib, err, what);
    return takeMessageJson(this.lib, out, what);
  }

  modelConfig(model: string, version: bigint): unknown {
    const out = outPointer();
    const what = "failed to get model config";
    check(
      this.lib,
      this.lib.TRITONSERVER_ServerModelConfig(this.server, cString(model), version, 1, out),
      what,
    );
    return takeMessageJson(this.lib, out, what);
  }

  modelStatistics(model: string, version: bigint): unknown {
    const out = outPointer();
    const what = "failed to get model statistics";
    check(
      this.lib,
      this.lib.TRITONSERVER_ServerModelStatistics(this.server, cString(model), version, out),
      what,
    );
    return takeMessageJson(this.lib, out, what);
  }
}

function checkVersion(lib: TritonLib, stderr: (text: string) => void): void {
  const major = new Uint32Array(1);
  const minor = new Uint32Array(1);
  report(lib, lib.TRITONSERVER_ApiVersion(major, minor), "unable to get api version", stderr);
  if (major[0] !== API_MAJOR) {
    throw new RunError(
      `Error: Triton server API major version mismatch.\nExpected version: ${API_MAJOR}\n` +
        `Actual version: ${major[0]}`,
    );
  }
  if (minor[0] !== API_MINOR) {
    stderr(
      `Warning: Triton server API minor version mismatch.\nExpected version: ${API_MINOR}\n` +
        `Actual version: ${minor[0]}\nAttempting to proceed, but undefined behavior may occur.\n`,
    );
  }
}

async function newServer(lib: TritonLib, s: ServerSettings): Promise<Deno.PointerObject> {
  const out = outPointer();
  check(lib, lib.TRITONSERVER_ServerOptionsNew(out), "creating server options");
  const opts = pointerIn(out)!;
  try {
    const warn = (line: string) => s.stderr(line + "\n");
    check(
      lib,
      lib.TRITONSERVER_ServerOptionsSetModelRepositoryPath(opts, cString(s.modelRepository)),
      "setting model repository path",
    );
    check(
      lib,
      lib.TRITONSERVER_ServerOptionsSetCudaMemoryPoolByteSize(opts, 0, 1073741824n),
      "setting cuda memory pool byte size failed.",
    );
    report(
      lib,
      lib.TRITONSERVER_ServerOptionsSetLogVerbose(opts, s.verbose ? 1 : 0),
      "setting verbose logging level",
      warn,
    );
    report(
      lib,
      lib.TRITONSERVER_ServerOptionsSetLogInfo(opts, s.verbose),
      "setting if log verbose level is true",
      warn,
    );
    const dir = s.serverDirectory;
    check(
      lib,
      lib.TRITONSERVER_ServerOptionsSetBackendDirectory(opts, cString(`${dir}/backends`)),
      "setting backend directory",
    );
    check(
      lib,
      lib.TRITONSERVER_ServerOptionsSetRepoAgentDirectory(opts, cString(`${dir}/repoagents`)),
      "setting repository agent directory",
    );
    check(
      lib,
      lib.TRITONSERVER_ServerOptionsSetStrictModelConfig(opts, true),
      "setting strict model configuration",
    );
    check(
      lib,
      lib.TRITONSERVER_ServerOptionsSetMinSupportedComputeCapability(opts, 0),
      "setting minimum supported CUDA compute capability",
    );
    const server = outPointer();
    check(lib, await lib.TRITONSERVER_ServerNew(server, opts), "creating server");
    return pointerIn(server)!;
  } finally {
    const err = lib.TRITONSERVER_ServerOptionsDelete(opts);
    if (err !== null) takeErrorText(lib, err);
  }
}

async function waitHealthy(lib: TritonLib, server: Deno.PointerObject): Promise<void> {
  const live = new Uint8Array(1);
  const ready = new Uint8Array(1);
  for (let i = 0;; i++) {
    check(lib, lib.TRITONSERVER_ServerIsLive(server, live), "unable to get server liveness");
    check(lib, lib.TRITONSERVER_ServerIsReady(server, ready), "unable to get server readiness");
    if (live[0] && ready[0]) return;
    if (i + 1 >= POLL_TRIES) throw new RunError("failed to find healthy inference server");
    await sleep(POLL_MS);
  }
}

function serverMetadata(lib: TritonLib, server: Deno.PointerObject): unknown {
  const out = outPointer();
  const what = "unable to get server metadata message";
  check(lib, lib.TRITONSERVER_ServerMetadata(server, out), what);
  return takeMessageJson(lib, out, what);
}
