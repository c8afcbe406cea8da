/**
 * Ground truth of the custom request parameters (the keys Triton does not parse itself) that
 * reached each model: every distinct set, with how many requests carried it. A run of any length
 * holds one entry per distinct set, so the log stays small.
 */

/**
 * One custom parameter as it arrived: how it was typed (gRPC: the InferParameter field that
 * carried it, "bool_param", ...; HTTP: its JSON type, "boolean", "number" or "string"), and
 * its value.
 */
export interface ReceivedParameter {
  type: string;
  value: boolean | number | string;
}

/** A distinct set of custom parameters and the number of requests that carried exactly it. */
export interface ParameterSetTruth {
  parameters: Record<string, ReceivedParameter>;
  requests: number;
}

export class ParameterLog {
  readonly #byModel = new Map<string, Map<string, ParameterSetTruth>>();

  /** Counts one accepted request to `model` carrying `parameters` (empty when it had none). */
  record(model: string, parameters: Record<string, ReceivedParameter>): void {
    let sets = this.#byModel.get(model);
    if (sets === undefined) this.#byModel.set(model, sets = new Map());
    const names = Object.keys(parameters).sort();
    const key = JSON.stringify(names.map((n) => [n, parameters[n].type, parameters[n].value]));
    const entry = sets.get(key);
    if (entry !== undefined) entry.requests++;
    else sets.set(key, { parameters, requests: 1 });
  }

  /** Every set `model` received, in first-seen order; [] when it got no request. */
  read(model: string): ParameterSetTruth[] {
    return [...(this.#byModel.get(model)?.values() ?? [])].map((s) => ({
      parameters: { ...s.parameters },
      requests: s.requests,
    }));
  }
}
