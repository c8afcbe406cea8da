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

export const denoFs: DataFs = {
  async readFile(path) {
    try {
      return await Deno.readFile(path);
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

/** Strict, so a binary file given by mistake is reported instead of parsed as mojibake. */
function utf8Text(bytes: Uint8Array, path: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
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
