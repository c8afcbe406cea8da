/**
 * Server metadata, model metadata and model configuration bodies (docs/protocols.md §1.3-§1.5),
 * built once per server since none of them change while it runs.
 */
import type { DataType } from "../../wire/kserve/datatypes.ts";
import type { EnsembleStep, IoSpec, ModelSpec, SequenceBatching, SequenceControl } from "./mod.ts";

/** The Triton release whose wire format this server follows. */
export const SERVER_VERSION = "2.59.0";

export function serverMetadataJson(noConfig: boolean, noStats: boolean): string {
  // Same relative order as Triton lists them; only what this server implements.
  const extensions: string[] = ["sequence"];
  if (!noConfig) extensions.push("model_configuration");
  extensions.push("system_shared_memory", "binary_tensor_data", "parameters");
  if (!noStats) extensions.push("statistics");
  extensions.push("trace");
  return JSON.stringify({ name: "triton", version: SERVER_VERSION, extensions });
}

export function modelMetadataJson(spec: ModelSpec): string {
  // Triton prepends -1 for the batch dimension whenever the model batches.
  const shape = (io: IoSpec) => spec.maxBatchSize > 0 ? [-1, ...io.dims] : io.dims.slice();
  const tensor = (io: IoSpec) => ({ name: io.name, datatype: io.datatype, shape: shape(io) });
  return JSON.stringify({
    name: spec.name,
    versions: [spec.version],
    platform: spec.platform,
    inputs: spec.inputs.map(tensor),
    outputs: spec.outputs.map(tensor),
  });
}

/** Model-config enum name for a v2 datatype (BYTES is TYPE_STRING). */
export function configType(dt: DataType): string {
  return dt === "BYTES" ? "TYPE_STRING" : `TYPE_${dt}`;
}

function configInput(io: IoSpec) {
  return {
    name: io.name,
    data_type: configType(io.datatype),
    format: "FORMAT_NONE",
    dims: io.dims.slice(),
    is_shape_tensor: false,
    allow_ragged_batch: false,
    optional: io.optional ?? false,
    is_non_linear_format_io: false,
  };
}

function configOutput(io: IoSpec) {
  return {
    name: io.name,
    data_type: configType(io.datatype),
    dims: io.dims.slice(),
    label_filename: "",
    is_shape_tensor: false,
    is_non_linear_format_io: false,
  };
}

/** A Control message with every primitive field printed (always_print_primitive_fields). */
function configControl(c: SequenceControl) {
  return {
    name: c.name,
    control: [{
      kind: c.kind,
      int32_false_true: c.int32FalseTrue?.slice() ?? [],
      fp32_false_true: [],
      bool_false_true: [],
      data_type: c.dataType === undefined ? "TYPE_INVALID" : configType(c.dataType),
    }],
  };
}

/** One `ensemble_scheduling.step`; version -1 lets the server pick the step model's version. */
function configStep(step: EnsembleStep) {
  return {
    model_name: step.model,
    model_version: -1,
    input_map: { ...step.inputMap },
    output_map: { ...step.outputMap },
    model_namespace: "",
  };
}

/** No strategy is set, which Triton runs as Direct; the idle timeout is printed as a number. */
function configSequenceBatching(sb: SequenceBatching) {
  return {
    max_sequence_idle_microseconds: sb.maxSequenceIdleUs,
    control_input: sb.controls.map(configControl),
    state: [],
    iterative_sequence: false,
  };
}

/**
 * The unwrapped ModelConfig as Triton prints it: snake_case keys, enums as strings, int64
 * dims as numbers, primitive fields always present, unset sub-messages (dynamic_batching,
 * sequence_batching) absent.
 */
export function modelConfigJson(spec: ModelSpec, instances: number): string {
  const scheduling = spec.ensemble !== undefined
    ? { ensemble_scheduling: { step: spec.ensemble.map(configStep) } }
    : spec.sequence === undefined
    ? {}
    : { sequence_batching: configSequenceBatching(spec.sequence) };
  // An ensemble runs on its steps' instances; Triton gives it no instance group.
  const instanceGroup = spec.ensemble !== undefined ? [] : [{
    name: `${spec.name}_0`,
    kind: "KIND_CPU",
    count: instances,
    gpus: [],
    secondary_devices: [],
    profile: [],
    passive: false,
    host_policy: "",
  }];
  return JSON.stringify({
    name: spec.name,
    platform: spec.platform,
    backend: spec.backend,
    runtime: "",
    version_policy: { latest: { num_versions: 1 } },
    max_batch_size: spec.maxBatchSize,
    input: spec.inputs.map(configInput),
    output: spec.outputs.map(configOutput),
    batch_input: [],
    batch_output: [],
    ...scheduling,
    instance_group: instanceGroup,
    default_model_filename: "",
    cc_model_filenames: {},
    metric_tags: {},
    parameters: {},
    model_warmup: [],
    model_transaction_policy: { decoupled: spec.decoupled !== undefined },
    ...(spec.responseCache ? { response_cache: { enable: true } } : {}),
  });
}
