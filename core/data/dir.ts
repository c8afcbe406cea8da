/**
 * A directory of input data (docs/perf_analyzer.md §4.1): one file per input, named exactly like
 * it, holding a batch-1 tensor as raw little-endian row-major bytes, or one string per line for
 * BYTES inputs. Files named like outputs are the expected outputs (validation). One stream of one
 * step. The file's bytes become the tensor as they are: no copy of a large input.
 */
import type { ModelInfo, TensorInfo } from "../backend.ts";
import { encodeBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import type { DataFs, DataSet, StepTensor } from "./set.ts";
import { elementSize } from "../../wire/kserve/datatypes.ts";
import { checkedTensor, impliedShape, type TensorRole } from "./tensor.ts";
import { RunError } from "../errors.ts";

const NEWLINE = 0x0a;

/**
 * The lines of a string file as perf_analyzer's getline reads them: split at "\n", a final
 * newline ends the last line rather than starting an empty one, a "\r" stays part of its line.
 * Bytes, not decoded text, so what is sent is exactly what the file holds.
 */
export function textLines(bytes: Uint8Array): Uint8Array[] {
  const lines: Uint8Array[] = [];
  let from = 0;
  while (from < bytes.length) {
    let end = bytes.indexOf(NEWLINE, from);
    if (end < 0) end = bytes.length;
    lines.push(bytes.subarray(from, end));
    from = end + 1;
  }
  return lines;
}

/** One tensor file, or undefined when there is none. */
async function readTensor(
  path: string,
  info: TensorInfo,
  role: TensorRole,
  shapes: Map<string, number[]>,
  fs: DataFs,
): Promise<StepTensor | undefined> {
  const kind = await fs.isDirectory(path);
  if (kind === undefined) return undefined;
  if (kind) {
    throw new RunError(`${path}: is a directory; the data of ${role} ${info.name} must be a file`);
  }
  const raw = await fs.readFile(path);
  if (info.datatype !== "BYTES") {
    const count = raw.length / elementSize(info.datatype);
    const shape = impliedShape(info, role, shapes, count, path);
    return checkedTensor(info, shape, raw, count, path);
  }
  const lines = textLines(raw);
  const shape = impliedShape(info, role, shapes, lines.length, path);
  return checkedTensor(info, shape, encodeBytesElements(lines), lines.length, path);
}

/** Reads the directory `dir`: every non-optional input's file, and any output files. */
export async function loadDataDirectory(
  dir: string,
  model: ModelInfo,
  shapes: Map<string, number[]>,
  fs: DataFs,
): Promise<DataSet> {
  const base = dir.endsWith("/") ? dir : `${dir}/`;
  const inputs = new Map<string, StepTensor>();
  for (const info of model.inputs) {
    const path = base + info.name;
    const tensor = await readTensor(path, info, "input", shapes, fs);
    if (tensor) inputs.set(info.name, tensor);
    else if (!info.optional) {
      throw new RunError(
        `--input-data ${dir}: no file ${path} for input ${info.name} (a data directory needs ` +
          "one file per input, named exactly like it)",
      );
    }
  }
  const expected = new Map<string, StepTensor>();
  for (const info of model.outputs) {
    const tensor = await readTensor(base + info.name, info, "output", new Map(), fs);
    if (tensor) expected.set(info.name, tensor);
  }
  return { streams: [[{ inputs, expected }]], validation: expected.size > 0 };
}
