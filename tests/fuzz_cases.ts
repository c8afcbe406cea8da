/**
 * The seeded CLI fuzzer's generator: command lines of random flags (a valid value, edges and
 * junk) over HTTP and gRPC, and byte-mangled --input-data files for the `simple` model. Used by
 * tests/fuzz_cli_test.ts and scripts/fault_matrix.ts. Not a test itself.
 */
import type { SeededRandom } from "../core/load/random.ts";

/** Where the command lines point: the reference server's HTTP and gRPC addresses. */
export interface FuzzTarget {
  readonly url: string;
  readonly grpcUrl?: string;
}

/** Short windows and few of them keep valid runs quick; a drawn flag may override them. */
export const QUICK = ["-p", "50", "-r", "3", "-s", "100000"];

/** Flags and the values drawn for them: a valid one first, then edges and junk. */
const FLAGS: [string, string[]][] = [
  ["--concurrency-range", ["1", "2", "1:3", "1:3:2", "0", "3:1", "1:2:0", "x", "-1", "1e3"]],
  ["--request-rate-range", ["50", "100:200:100", "0", "-5", "abc", "1e-9", "100:50"]],
  ["-b", ["1", "2", "0", "-1", "8", "x"]],
  ["-p", ["50", "100", "0", "-1", "1.5", "x"]],
  ["-s", ["100000", "10", "0", "-3", "101", "x"]],
  ["-r", ["3", "1", "0", "-1"]],
  ["--request-count", ["3", "0", "-1", "x"]],
  ["--warmup-request-count", ["1", "0", "-2"]],
  ["--measurement-mode", ["time_windows", "count_windows", "bogus"]],
  ["--measurement-request-count", ["5", "0", "-1"]],
  ["--percentile", ["99", "50", "0", "100", "101", "x"]],
  ["--request-timeout", ["1000", "0", "-1", "1", "x"]],
  ["--max-threads", ["2", "0", "-4"]],
  ["--string-length", ["4", "0", "-1", "x"]],
  ["--string-data", ["hello", ""]],
  ["--shape", ["INPUT0:16", "INPUT0:1,16", "INPUT0:-1", "INPUT0:x", "NOPE:4", "INPUT0"]],
  ["--input-data", ["random", "zero", "/nonexistent.json", "/dev/null", ""]],
  ["--sequence-length", ["5", "0", "-1"]],
  ["--sequence-id-range", ["1:10", "10:1", "x"]],
  ["--num-of-sequences", ["2", "0", "-1"]],
  ["--shared-memory", ["system", "none", "cuda", "bogus"]],
  ["--output-shared-memory-size", ["1024", "0", "-1"]],
  ["--request-distribution", ["constant", "poisson", "bogus"]],
  ["--max-inflight", ["4", "0", "-1"]],
  ["--grpc-compression-algorithm", ["gzip", "deflate", "none", "zstd"]],
  ["--latency-threshold", ["1000", "0", "-1"]],
  ["--stop-rule", ["windows", "confidence", "bogus"]],
  ["-H", ["x-a:b", "nocolon", ":"]],
  ["--request-parameter", ["p:1:int", "p:x:int", "bad"]],
  ["--threshold", ["p99<5ms", "throughput>=1", "nonsense", "error_rate<1%"]],
  ["--validation-mode", ["none", "exact", "bogus"]],
  ["--max-error-rate", ["50", "0", "-1", "200"]],
  ["--endpoint", ["v1/chat/completions", "", "//"]],
];
const SWITCHES = ["-a", "--sync", "--streaming", "--binary-search", "--serial-sequences", "-v"];
const MODELS = ["simple", "simple_string", "identity_fp32", "repeat_int32", "simple_sequence"];
const KINDS = ["triton", "openai", "tfserving", "torchserve", "bogus"];

export class CliFuzz {
  constructor(readonly rnd: SeededRandom) {}

  int(n: number): number {
    return this.rnd.nextUint32() % n;
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** A command line: a model and a server most of the time, then one to five random flags. */
  args(server: FuzzTarget): string[] {
    const grpc = this.int(3) === 0;
    const out = ["-m", this.pick(MODELS), "-u", grpc ? server.grpcUrl! : server.url];
    if (grpc) out.push("-i", "grpc");
    if (this.int(8) === 0) out.push("--service-kind", this.pick(KINDS));
    out.push(...QUICK);
    for (let n = 1 + this.int(5); n > 0; n--) {
      if (this.int(4) === 0) out.push(this.pick(SWITCHES));
      else {
        const [flag, values] = this.pick(FLAGS);
        // Half the time the flag's first value, a valid one, so runs get past the checks.
        out.push(flag, this.int(2) === 0 ? values[0] : this.pick(values));
      }
    }
    return out;
  }

  /** A valid data file for `simple`, damaged at the byte level. */
  dataFile(): Uint8Array {
    const row = () => Array.from({ length: 16 }, () => this.int(1000) - 500);
    const step = () => `{"INPUT0":${JSON.stringify(row())},"INPUT1":${JSON.stringify(row())}}`;
    const text = `{"data":[${Array.from({ length: 1 + this.int(3) }, step).join(",")}]}`;
    const bytes = new TextEncoder().encode(text);
    const at = this.int(bytes.length + 1);
    switch (this.int(6)) {
      case 0:
        return bytes.subarray(0, at);
      case 1: {
        const out = bytes.slice();
        for (let i = 0; i < 1 + this.int(4); i++) out[this.int(out.length)] = this.int(256);
        return out;
      }
      case 2: {
        const from = this.int(bytes.length + 1);
        return new Uint8Array([...bytes.subarray(0, at), ...bytes.subarray(from)]);
      }
      case 3: {
        const junk = this.pick(["1e400", "-0", '"x"', "null", "[[[[", "9007199254740993", "{}"]);
        return new Uint8Array([
          ...bytes.subarray(0, at),
          ...new TextEncoder().encode(junk),
          ...bytes.subarray(at),
        ]);
      }
      case 4:
        return new TextEncoder().encode(
          text.replace(/-?\d+/g, () => this.pick(["1e12", "-1", "2147483648", "0.5", "NaN"])),
        );
      default:
        return bytes;
    }
  }
}
