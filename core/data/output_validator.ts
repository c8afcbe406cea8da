/**
 * Output validation (docs/perf_analyzer.md §4.4): every successful response of a request that
 * carries expected outputs is compared byte for byte with them. A mismatch turns the request into a
 * failed one (outcome "mismatch", its description as the error text), so it is counted per
 * level like any other failure; in "fail" mode, perf_analyzer's behaviour, the first one also
 * stops the run, which then exits 99 with that description.
 */
import type { DispatchSink } from "../load/dispatcher.ts";
import { compareOutputs } from "./output_check.ts";
import type { RequestRecord } from "../measure/record.ts";

export class OutputValidator implements DispatchSink {
  /** Requests compared, and those that did not match. */
  checked = 0;
  mismatches = 0;
  /** The first mismatch, with the data it came from. */
  firstMismatch: string | undefined;

  constructor(
    private readonly inner: DispatchSink,
    private readonly mode: "fail" | "count",
    /** Called once, on the first mismatch in "fail" mode. */
    private readonly onFail: (message: string) => void,
  ) {}

  sent(): void {
    this.inner.sent();
  }

  completed(record: RequestRecord): void {
    const expected = record.expected;
    if (record.outcome === "ok" && expected !== undefined) {
      this.checked++;
      const problem = compareOutputs(expected, record.outputs);
      if (problem !== undefined) {
        const text = record.dataLabel === "" ? problem : `${problem} (${record.dataLabel})`;
        record.outcome = "mismatch";
        record.error = text;
        this.mismatches++;
        if (this.firstMismatch === undefined) {
          this.firstMismatch = text;
          if (this.mode === "fail") this.onFail(text);
        }
      }
    }
    this.inner.completed(record);
  }
}
