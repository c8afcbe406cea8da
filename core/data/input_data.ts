/**
 * Synthetic input data (docs/perf_analyzer.md §4.1, §4.3): `random` fills one buffer sized for the
 * largest input once and every input reads from it, as perf_analyzer does; `zero` uses zeros. The
 * result is a RequestSpec whose tensors are already wire bytes, encoded once at startup.
 */
import type { ModelInfo, RequestSpec, TensorData, TensorInfo } from "../backend.ts";
import { encodeBytesElements } from "../../wire/kserve/bytes_tensor.ts";
import type { RunConfig } from "../cli/config.ts";
import { elementCount, elementSize } from "../../wire/kserve/datatypes.ts";
import { RunError } from "../errors.ts";
import { SeededRandom } from "../load/random.ts";

const PRINTABLE = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

/** Resolves -1 dims from --shape; perf_analyzer's error when a dim stays unknown. */
export function concreteShape(input: TensorInfo, shapes: Map<string, number[]>): number[] {
  const given = shapes.get(input.name);
  if (given) {
    const compatible = given.length === input.shape.length &&
      given.every((d, i) => input.shape[i] === -1 || input.shape[i] === d);
    if (!compatible) {
      throw new RunError(
        `--shape ${input.name}:${given.join(",")} does not fit the model's shape ` +
          `[${input.shape.join(",")}] for input ${input.name}.`,
      );
    }
    return given;
  }
  if (input.shape.some((d) => d < 0)) {
    throw new RunError(
      `input ${input.name} contains dynamic shape, provide shapes to send along with the ` +
        `request (--shape ${input.name}:${input.shape.map((d) => (d < 0 ? "N" : d)).join(",")})`,
    );
  }
  return input.shape;
}

function stringElement(config: RunConfig, random: Uint8Array, index: number): Uint8Array {
  if (config.stringData !== undefined) return new TextEncoder().encode(config.stringData);
  const out = new Uint8Array(config.stringLength);
  for (let i = 0; i < out.length; i++) {
    out[i] = PRINTABLE.charCodeAt(random[(index * 31 + i) % random.length] % PRINTABLE.length);
  }
  return out;
}

function tensorBytes(
  input: TensorInfo,
  count: number,
  config: RunConfig,
  random: Uint8Array,
): Uint8Array {
  if (input.datatype === "BYTES") {
    const elements = Array.from({ length: count }, (_, i) => stringElement(config, random, i));
    return encodeBytesElements(elements);
  }
  const size = count * elementSize(input.datatype);
  if (config.inputData === "zero") return new Uint8Array(size);
  const bytes = random.slice(0, size);
  // BOOL elements must be 0 or 1 to be valid on the wire.
  if (input.datatype === "BOOL") { for (let i = 0; i < size; i++) bytes[i] &= 1; }
  return bytes;
}

/** perf_analyzer's batch-size checks against the model configuration. */
export function checkBatchSize(model: ModelInfo, batchSize: number): void {
  if (model.maxBatchSize === 0 && batchSize > 1) {
    throw new RunError(
      `can not specify batch size > 1 as the model does not support batching (-b ${batchSize})`,
    );
  }
  if (batchSize > model.maxBatchSize && model.maxBatchSize > 0) {
    throw new RunError(
      `expecting batch size <= ${model.maxBatchSize} for model '${model.name}', got -b ${batchSize}`,
    );
  }
}

/**
 * Largest synthetic input tensor, in bytes: it is built in memory (and copied into each encoded
 * request), so a shape of 10^12 elements must be refused, not attempted.
 */
export const MAX_TENSOR_BYTES = 1024 * 1024 * 1024;

/** Bytes of one synthetic BYTES element: --string-data, or --string-length random characters. */
function stringSize(config: RunConfig): number {
  return config.stringData !== undefined
    ? new TextEncoder().encode(config.stringData).length
    : config.stringLength;
}

/** Wire bytes of one synthetic tensor of `count` elements (BYTES: 4-byte length prefixes). */
function wireSize(input: TensorInfo, count: number, config: RunConfig): number {
  return input.datatype === "BYTES"
    ? count * (4 + stringSize(config))
    : count * elementSize(input.datatype);
}

/** Builds the request for `config`'s batch size; throws RunError for impossible inputs. */
export function syntheticRequest(model: ModelInfo, config: RunConfig): RequestSpec {
  checkBatchSize(model, config.batchSize);
  const batched = model.maxBatchSize > 0;
  const shapes = model.inputs.map((input) => {
    const shape = concreteShape(input, config.shapes);
    return batched ? [config.batchSize, ...shape] : shape;
  });
  let largest = 0;
  shapes.forEach((shape, i) => {
    const input = model.inputs[i];
    const bytes = wireSize(input, elementCount(shape), config);
    if (bytes > MAX_TENSOR_BYTES) {
      const from = config.shapes.has(input.name) ? "--shape" : "the model's metadata";
      const strings = input.datatype === "BYTES" ? ` of ${stringSize(config)}-byte strings` : "";
      throw new RunError(
        `input ${input.name}: ${bytes} bytes per request (${input.datatype} ` +
          `[${shape.join(",")}]${strings}, shape from ${from}), over the limit of ` +
          `${MAX_TENSOR_BYTES} bytes per input`,
      );
    }
    largest = Math.max(largest, elementCount(shape) * (elementSize(input.datatype) || 1));
  });
  let inputs: TensorData[];
  try {
    const random = new SeededRandom(1).fill(new Uint8Array(Math.max(largest, 64)));
    inputs = model.inputs.map((input, i) => ({
      name: input.name,
      datatype: input.datatype,
      shape: shapes[i],
      bytes: tensorBytes(input, elementCount(shapes[i]), config, random),
    }));
  } catch (e) {
    // Under the limit, but more than this machine can give.
    if (!(e instanceof RangeError)) throw e;
    const total = shapes.reduce(
      (n, s, i) => n + wireSize(model.inputs[i], elementCount(s), config),
      0,
    );
    throw new RunError(`cannot allocate the ${total} bytes of the synthetic inputs: ${e.message}`);
  }
  return {
    model: model.name,
    version: config.modelVersion,
    inputs,
    outputs: model.outputs.map((o) => o.name),
    batchSize: config.batchSize,
  };
}
