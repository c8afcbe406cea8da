/**
 * What a channel keeps of one request for --profile-export-file: perf_analyzer's
 * `request_inputs` object and one `response_outputs` entry per response (docs/perf_analyzer.md
 * §3.3), as JSON text. A channel owns one, fills it only when the run writes an export (it is
 * told so when it connects), and hands it to the record it is sending; the export writes it when
 * the request completes, before the channel sends again. The entry array is grow-only and reused,
 * so it holds at most the responses of the request in flight.
 */

const NONE = new Uint8Array(0);

export class ExportTexts {
  /** The request_inputs object as UTF-8 JSON (shared, never copied); empty: none. */
  inputs: Uint8Array = NONE;
  /** JSON object text of each response's response_outputs entry, [0, count). */
  readonly outputs: string[] = [];
  count = 0;

  /** Forgets the previous request (its strings are overwritten as the next one arrives). */
  begin(inputs: Uint8Array): void {
    this.inputs = inputs;
    this.count = 0;
  }

  add(json: string): void {
    if (this.count < this.outputs.length) this.outputs[this.count] = json;
    else this.outputs.push(json);
    this.count++;
  }
}
