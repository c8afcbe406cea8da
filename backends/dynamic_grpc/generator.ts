/**
 * Runs the input data's `message_generator` command once (`sh -c`, bounded in time and output)
 * and cuts what it wrote into request messages: each frame is a 4-byte length in the host's
 * byte order (little-endian on the machines we run on) then that many bytes of serialized
 * protobuf (docs/perf_analyzer.md §4.2).
 */
import { RunError } from "../../core/errors.ts";
import { joinBytes } from "../../wire/bytes.ts";

export interface GeneratorLimits {
  /** The command is killed after this long. */
  timeoutMs: number;
  /** The command is killed once it wrote more than this to stdout. */
  maxBytes: number;
}

export const GENERATOR_LIMITS: GeneratorLimits = { timeoutMs: 30_000, maxBytes: 64 << 20 };

/** Kept of the command's stderr for the error message; the rest is dropped. */
const STDERR_KEPT = 2048;

function named(command: string): string {
  return `message_generator command '${command}'`;
}

/** The messages in `out`; a frame cut short, or no frame at all, is a RunError naming the command. */
export function cutFrames(out: Uint8Array, command: string): Uint8Array[] {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const frames: Uint8Array[] = [];
  let at = 0;
  while (at < out.length) {
    const left = out.length - at;
    if (left < 4) {
      throw new RunError(
        `${named(command)} wrote ${left} byte(s) after frame ${frames.length}, where a 4-byte ` +
          "length was expected: each frame is a 4-byte little-endian length then the message",
      );
    }
    const length = view.getUint32(at, true);
    if (length > left - 4) {
      throw new RunError(
        `${named(command)}: frame ${frames.length} declares ${length} bytes but only ` +
          `${left - 4} follow (a frame cut short, or a length not in little-endian order)`,
      );
    }
    frames.push(out.slice(at + 4, at + 4 + length));
    at += 4 + length;
  }
  if (frames.length === 0) {
    throw new RunError(`${named(command)} wrote nothing: it must write at least one frame`);
  }
  return frames;
}

/** Reads `stream` to its end, or until more than `max` bytes came (then returns undefined). */
async function readBounded(
  stream: ReadableStream<Uint8Array>,
  max: number,
): Promise<Uint8Array | undefined> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of stream) {
    total += chunk.length;
    if (total > max) return undefined;
    chunks.push(chunk);
  }
  return joinBytes(chunks);
}

/** The first `keep` bytes of `stream`, read to its end so the writer never blocks on it. */
async function headOf(stream: ReadableStream<Uint8Array>, keep: number): Promise<string> {
  const head = new Uint8Array(keep);
  let at = 0;
  for await (const chunk of stream) {
    const take = Math.min(chunk.length, keep - at);
    head.set(chunk.subarray(0, take), at);
    at += take;
  }
  return new TextDecoder().decode(head.subarray(0, at)).trim();
}

/** Runs `command` once and returns its frames; every failure is a RunError naming it. */
export async function generateMessages(
  command: string,
  limits: GeneratorLimits = GENERATOR_LIMITS,
): Promise<Uint8Array[]> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command("sh", {
      args: ["-c", command],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
  } catch (e) {
    throw new RunError(`cannot start ${named(command)}: ${(e as Error).message}`);
  }
  let timedOut = false;
  const kill = () => {
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
  };
  const timer = setTimeout(() => {
    timedOut = true;
    kill();
  }, limits.timeoutMs);
  try {
    const [out, err, status] = await Promise.all([
      readBounded(child.stdout, limits.maxBytes).then((o) => {
        if (o === undefined) kill();
        return o;
      }),
      headOf(child.stderr, STDERR_KEPT),
      child.status,
    ]);
    if (timedOut) {
      throw new RunError(`${named(command)} did not finish within ${limits.timeoutMs} ms`);
    }
    if (out === undefined) {
      throw new RunError(`${named(command)} wrote more than ${limits.maxBytes} bytes`);
    }
    if (!status.success) {
      throw new RunError(
        `${named(command)} exited with code ${status.code}` + (err === "" ? "" : `: ${err}`),
      );
    }
    return cutFrames(out, command);
  } finally {
    clearTimeout(timer);
  }
}
