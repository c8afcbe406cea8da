/**
 * Models that run other models: `simple_ensemble`, an ensemble of `simple` then
 * `identity_int32` (on OUTPUT0), and `simple_bls`, a BLS-style model that makes the same two
 * calls from its own compute. Each call is a request of the called model, queued and counted in
 * that model's statistics, so perf_analyzer's composing-model report has exact ground truth.
 */
import type { EnsembleStep, IoSpec, ModelCall, ModelSpec, Tensor } from "./mod.ts";

const io = (name: string): IoSpec => ({ name, datatype: "INT32", dims: [16] });

const STEPS: EnsembleStep[] = [
  {
    model: "simple",
    inputMap: { INPUT0: "INPUT0", INPUT1: "INPUT1" },
    outputMap: { OUTPUT0: "sum", OUTPUT1: "OUTPUT1" },
  },
  { model: "identity_int32", inputMap: { INPUT0: "sum" }, outputMap: { OUTPUT0: "OUTPUT0" } },
];

/** Runs the steps in order, each reading the tensors earlier steps (or the request) produced. */
export async function runSteps(
  steps: readonly EnsembleStep[],
  inputs: ReadonlyMap<string, Tensor>,
  call: ModelCall,
): Promise<Map<string, Tensor>> {
  const tensors = new Map(inputs);
  for (const step of steps) {
    const stepInputs = new Map<string, Tensor>();
    for (const [input, tensor] of Object.entries(step.inputMap)) {
      stepInputs.set(input, tensors.get(tensor)!);
    }
    const outputs = await call(step.model, stepInputs);
    for (const [output, tensor] of Object.entries(step.outputMap)) {
      tensors.set(tensor, outputs.get(output)!);
    }
  }
  return tensors;
}

/** Keeps the outputs the model declares, dropping the intermediate tensors. */
function declared(spec: ModelSpec, tensors: Map<string, Tensor>): Map<string, Tensor> {
  return new Map(spec.outputs.map((o) => [o.name, tensors.get(o.name)!]));
}

export const SIMPLE_ENSEMBLE: ModelSpec = {
  name: "simple_ensemble",
  platform: "ensemble",
  backend: "",
  version: "1",
  maxBatchSize: 8,
  inputs: [io("INPUT0"), io("INPUT1")],
  outputs: [io("OUTPUT0"), io("OUTPUT1")],
  ensemble: STEPS,
  async execute(inputs, _step, call) {
    return declared(SIMPLE_ENSEMBLE, await runSteps(STEPS, inputs, call!));
  },
};

export const SIMPLE_BLS: ModelSpec = {
  name: "simple_bls",
  platform: "simulated",
  backend: "python",
  version: "1",
  maxBatchSize: 8,
  inputs: [io("INPUT0"), io("INPUT1")],
  outputs: [io("OUTPUT0"), io("OUTPUT1")],
  async execute(inputs, _step, call) {
    return declared(SIMPLE_BLS, await runSteps(STEPS, inputs, call!));
  },
};
