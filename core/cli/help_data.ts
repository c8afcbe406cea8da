/** --help entries of the input-data options and of sequence models. */
import type { HelpEntry } from "./help_table.ts";

export const DATA_HELP: readonly HelpEntry[] = [
  {
    id: "input-data",
    flags: "--input-data <random|zero|dir|file.json>",
    def: "random",
    text: "Input values: generated, a directory with one file per input (raw bytes, or one " +
      "string per line for BYTES), or perf_analyzer's JSON (flat arrays, b64, content+shape, " +
      "streams for sequences, validation_data). Repeat for several JSON files. Encoded once " +
      "at startup; errors name the file, entry, tensor and problem.",
  },
  {
    id: "data-directory",
    flags: "--data-directory <dir>",
    def: "",
    text: "Deprecated: same as --input-data <dir>.",
  },
  {
    id: "validation-mode",
    flags: "--validation-mode <fail|count>",
    ours: true,
    def: "fail",
    text: "With validation_data: a mismatching output ends the run with exit 99 " +
      "(perf_analyzer), or is counted as a failed request and the run goes on.",
  },
  { id: "zero", flags: "-z", def: "", text: "Deprecated: same as --input-data zero." },
  { id: "batch-size", flags: "-b <n>", def: "1", text: "Batch size (> 0)." },
  {
    id: "shape",
    flags: "--shape <name:d1,d2,...>",
    def: "",
    text: "Shape of an input with variable dimensions (dims > 0); repeatable.",
  },
  {
    id: "string-length",
    flags: "--string-length <n>",
    def: "128",
    text: "Length of random strings for BYTES inputs (> 0).",
  },
  {
    id: "string-data",
    flags: "--string-data <string>",
    def: "random",
    text: "Fill every BYTES element with this string.",
  },
];

export const SEQUENCE_HELP: readonly HelpEntry[] = [
  {
    id: "sequence-length",
    flags: "--sequence-length <n>",
    def: "20",
    text: "Requests per sequence (varied by --sequence-length-variation). With JSON streams, " +
      "a stream's own length unless this is given.",
  },
  {
    id: "sequence-length-variation",
    flags: "--sequence-length-variation <pct>",
    def: "20",
    text: "Random ± variation of each sequence's length, percent.",
  },
  {
    id: "sequence-id-range",
    flags: "--sequence-id-range <start[:end]>",
    def: "1:4294967295",
    text: "Correlation ids to use (end exclusive); must hold more ids than live sequences. " +
      "Give separate ranges to runs that share a server.",
  },
  {
    id: "num-of-sequences",
    flags: "--num-of-sequences <n>",
    def: "4",
    text: "Live sequences in open-loop modes (in concurrency mode: the concurrency).",
  },
  {
    id: "serial-sequences",
    flags: "--serial-sequences",
    def: "off",
    text: "Open loop: at most one request per sequence in flight; a due request waits for " +
      "its sequence, and that wait shows as send lateness.",
  },
];

/** --help entries of this tool's own report files (not perf_analyzer options). */
export const REPORT_HELP: readonly HelpEntry[] = [
  {
    id: "report-json",
    flags: "--report-json <file>",
    ours: true,
    def: "none",
    text: "Write the run summary (settings; per level throughput, latency " +
      "percentiles, send lateness, errors, server breakdown) as JSON, for `compare A.json " +
      "B.json` (deno task compare) and CI gates. - writes it to stdout, and the report " +
      "perf_analyzer prints there goes to stderr instead.",
  },
  {
    id: "report-html",
    flags: "--report-html <file>",
    ours: true,
    def: "none",
    text: "Write one self-contained HTML page (inline SVG charts, no network " +
      "needed to view): latency vs throughput, percentiles per level, send lateness, server " +
      "breakdown, settings.",
  },
];
