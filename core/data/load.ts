/**
 * --input-data sources to one data set: a directory, or JSON files whose streams are appended
 * in the order given (docs/perf_analyzer.md §4.1). The real filesystem is behind DataFs so tests
 * need none; its failures become one-line RunErrors naming the path, never a stack trace.
 */
import type { ModelInfo } from "../backend.ts";
import { loadDataDirectory } from "./dir.ts";
import { parseJsonData } from "./json.ts";
import type { DataFs, DataSet } from "./set.ts";
import { RunError } from "../errors.ts";

function fsError(path: string, e: unknown): RunError {
  return new RunError(`--input-data ${path}: ${e instanceof Error ? e.message : String(e)}`);
}

/**
 * Largest input file read: a data file is read whole into memory before it is encoded, so a
 * bigger one would exhaust it rather than be measured.
 */
export const MAX_INPUT_FILE_BYTES = 1024 * 1024 * 1024;

function fileKind(info: Deno.FileInfo): string {
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isFifo) return "a FIFO";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}

/**
 * Reads a whole input file (data, request intervals, a summary to compare). Stat first, which
 * never blocks: /dev/zero would be read forever, and opening a FIFO waits for a writer that may
 * never come. Throws an Error whose message says why, for the caller to put after its flag.
 */
export async function readInputFile(path: string): Promise<Uint8Array> {
  const info = await Deno.stat(path);
  if (!info.isFile) {
    throw new Error(`${fileKind(info)}; input files must be regular files`);
  }
  if (info.size > MAX_INPUT_FILE_BYTES) {
    throw new Error(`${info.size} bytes, over the limit of ${MAX_INPUT_FILE_BYTES} bytes`);
  }
  return await Deno.readFile(path);
}

/** {@link readInputFile} as UTF-8 text. */
export async function readInputText(path: string): Promise<string> {
  return new TextDecoder().decode(await readInputFile(path));
}

export const denoFs: DataFs = {
  async readFile(path) {
    try {
      return await readInputFile(path);
    } catch (e) {
      throw fsError(path, e);
    }
  },
  async isDirectory(path) {
    try {
      return (await Deno.stat(path)).isDirectory;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw fsError(path, e);
    }
  },
};

/** V8's longest string, in UTF-16 units: a JSON text past it cannot even be decoded. */
const MAX_STRING_LENGTH = 2 ** 29 - 24;

/** Strict, so a binary file given by mistake is reported instead of parsed as mojibake. */
function utf8Text(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // Both failures are a TypeError; only the size tells them apart.
    if (bytes.length > MAX_STRING_LENGTH) {
      throw new RunError(
        `--input-data ${path}: ${bytes.length} bytes, too large for one JSON text (at most ` +
          `${MAX_STRING_LENGTH} characters); split it into several --input-data files`,
      );
    }
    throw new RunError(`--input-data ${path}: not UTF-8 text, so not a JSON data file`);
  }
}

export async function loadDataSet(
  sources: string[],
  model: ModelInfo,
  opts: { shapes: Map<string, number[]> },
  fs: DataFs,
): Promise<DataSet> {
  if (sources.length === 0) throw new RunError("--input-data: no file or directory given");
  const kinds = await Promise.all(sources.map((s) => fs.isDirectory(s)));
  const missing = sources.find((_, i) => kinds[i] === undefined);
  if (missing !== undefined) {
    throw new RunError(`--input-data ${missing}: no such file or directory`);
  }
  const dir = sources.find((_, i) => kinds[i]);
  if (dir !== undefined) {
    if (sources.length > 1) {
      throw new RunError(
        `--input-data ${dir}: a directory cannot be combined with other --input-data sources`,
      );
    }
    return await loadDataDirectory(dir, model, opts.shapes, fs);
  }
  const out: DataSet = { streams: [], validation: false };
  for (const path of sources) {
    // Read and parse one file at a time: only one file's text is alive at once.
    const one = parseJsonData(utf8Text(await fs.readFile(path), path), path, model, opts.shapes);
    out.streams.push(...one.streams);
    out.validation ||= one.validation;
  }
  return out;
}
