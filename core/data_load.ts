/**
 * --input-data sources to one data set: a directory, or JSON files whose streams are appended
 * in the order given (reference §4.1). The real filesystem is behind DataFs so tests need none.
 */
import type { ModelInfo } from "./backend.ts";
import { loadDataDirectory } from "./data_dir.ts";
import { parseJsonData } from "./data_json.ts";
import type { DataFs, DataSet } from "./data_set.ts";
import { RunError } from "./errors.ts";

export const denoFs: DataFs = {
  readFile: (path) => Deno.readFile(path),
  async isDirectory(path) {
    try {
      return (await Deno.stat(path)).isDirectory;
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) return undefined;
      throw e;
    }
  },
};

export async function loadDataSet(
  sources: string[],
  model: ModelInfo,
  opts: { shapes: Map<string, number[]> },
  fs: DataFs,
): Promise<DataSet> {
  const kinds = await Promise.all(sources.map((s) => fs.isDirectory(s)));
  const missing = sources.find((_, i) => kinds[i] === undefined);
  if (missing !== undefined) {
    throw new RunError(`--input-data ${missing}: no such file or directory`);
  }
  if (kinds.includes(true)) {
    if (sources.length > 1) {
      throw new RunError(
        "--input-data: a directory cannot be combined with other --input-data sources",
      );
    }
    return await loadDataDirectory(sources[0], model, opts.shapes, fs);
  }
  const out: DataSet = { streams: [], validation: false };
  for (const path of sources) {
    const text = new TextDecoder().decode(await fs.readFile(path));
    const one = parseJsonData(text, path, model, opts.shapes);
    out.streams.push(...one.streams);
    out.validation ||= one.validation;
  }
  return out;
}
