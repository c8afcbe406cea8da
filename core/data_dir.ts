/**
 * A directory of input data (reference §4.1): one file per input, named exactly like it, holding
 * a batch-1 tensor as raw little-endian bytes, or one string per line for BYTES inputs. Files
 * named like outputs are the expected outputs. One stream of one step.
 */
import type { ModelInfo, TensorInfo } from "./backend.ts";
import { encodeStringElements } from "./bytes_tensor.ts";
import { DataError, tensorValue } from "./data_tensor.ts";
import type { DataFs, DataSet, StepTensor } from "./data_set.ts";
import { RunError } from "./errors.ts";

const utf8 = new TextDecoder();

/** Reads one tensor file, or undefined when there is none. */
async function readTensor(
  dir: string,
  t: TensorInfo,
  shapes: Map<string, number[]>,
  fs: DataFs,
): Promise<StepTensor | undefined> {
  const path = `${dir}/${t.name}`;
  if ((await fs.isDirectory(path)) !== false) return undefined;
  const bytes = await fs.readFile(path);
  try {
    const target = { name: t.name, datatype: t.datatype, dims: t.shape };
    if (t.datatype !== "BYTES") return tensorValue(target, { b64: bytes.toBase64() }, shapes);
    const lines = utf8.decode(bytes).split(/\r?\n/);
    if (lines.at(-1) === "") lines.pop();
    return tensorValue(target, { b64: encodeStringElements(lines).toBase64() }, shapes);
  } catch (e) {
    if (e instanceof DataError) throw new RunError(`${path}: ${e.message}`);
    throw e;
  }
}

export async function loadDataDirectory(
  dir: string,
  model: ModelInfo,
  shapes: Map<string, number[]>,
  fs: DataFs,
): Promise<DataSet> {
  const inputs = new Map<string, StepTensor>();
  for (const t of model.inputs) {
    const tensor = await readTensor(dir, t, shapes, fs);
    if (tensor) inputs.set(t.name, tensor);
    else if (!t.optional) {
      throw new RunError(
        `--input-data ${dir}: no file ${dir}/${t.name} for input ${t.name} (a directory needs ` +
          "one file per input, named like it)",
      );
    }
  }
  const expected = new Map<string, StepTensor>();
  for (const t of model.outputs) {
    const tensor = await readTensor(dir, t, new Map(), fs);
    if (tensor) expected.set(t.name, tensor);
  }
  return { streams: [[{ inputs, expected }]], validation: expected.size > 0 };
}
