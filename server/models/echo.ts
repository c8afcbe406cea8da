/**
 * `echo_all`, a model for byte-exact round trips: one optional input IN_<DT> per KServe
 * datatype and a matching output OUT_<DT> carrying exactly the bytes (and shape) received.
 * Only the outputs of inputs that were sent are produced; a requested output whose input was
 * not sent is left out of the response, as Triton does for outputs a backend never creates.
 */
import { DATATYPES } from "../../wire/kserve/datatypes.ts";
import type { IoSpec, ModelSpec, Tensor } from "./mod.ts";

const io = (prefix: string, optional: boolean) =>
  DATATYPES.map((datatype): IoSpec => ({
    name: `${prefix}_${datatype}`,
    datatype,
    dims: [-1],
    ...(optional ? { optional: true } : {}),
  }));

function executeEcho(inputs: ReadonlyMap<string, Tensor>): Map<string, Tensor> {
  const outputs = new Map<string, Tensor>();
  for (const [name, t] of inputs) {
    // Inputs arrive as RawBytes (rawInputs) and are never written after encoding, so the
    // output can share them.
    outputs.set(`OUT_${name.slice(3)}`, {
      datatype: t.datatype,
      shape: t.shape.slice(),
      values: t.values,
    });
  }
  return outputs;
}

export const ECHO_ALL: ModelSpec = {
  name: "echo_all",
  platform: "simulated",
  backend: "simulated",
  version: "1",
  maxBatchSize: 8,
  inputs: io("IN", true),
  outputs: io("OUT", false),
  rawInputs: true,
  execute: executeEcho,
};
