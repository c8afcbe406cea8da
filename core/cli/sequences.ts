/**
 * Options of sequence (stateful) models and of output validation: how many sequences live at
 * once in open loop, how long they are, which correlation ids they use, and what a validation
 * mismatch does. Checks that need the model (is it a sequence model, is the id range large
 * enough for the load) run once the model is known, in run_data.ts.
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import { parseChoice, parseInteger, parseIntegerWhere, valueError } from "./values.ts";

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

const positive = (n: number) => n > 0;

/** Parses "start[:end]"; end is exclusive and defaults to perf_analyzer's UINT32_MAX. */
function parseIdRange(value: string): [number, number] {
  const label = "--sequence-id-range";
  const parts = value.split(":");
  if (parts.length > 2) {
    throw valueError(label, "Expected start or start:end (e.g. 1:1000).", value);
  }
  const start = parseInteger(label, parts[0]);
  const end = parts.length === 2 ? parseInteger(label, parts[1]) : 0xffffffff;
  if (start < 1) throw valueError(label, "The start must be >= 1 (0 means no sequence).", value);
  if (end <= start) throw valueError(label, "The end must be greater than the start.", value);
  return [start, end];
}

export const SEQUENCE_HANDLERS = {
  "num-of-sequences": (c, _s, v) => {
    c.numOfSequences = parseIntegerWhere(
      "--num-of-sequences",
      v,
      positive,
      "The value must be > 0.",
    );
  },
  "sequence-length": (c, _s, v) => {
    c.sequenceLength = parseIntegerWhere(
      "--sequence-length",
      v,
      positive,
      "The value must be > 0.",
    );
    c.sequenceLengthSet = true;
  },
  "sequence-length-variation": (c, _s, v) => {
    c.sequenceLengthVariation = parseIntegerWhere(
      "--sequence-length-variation",
      v,
      (n) => n >= 0 && n <= 100,
      "The value must be a percentage, 0..100.",
    );
  },
  "sequence-id-range": (c, _s, v) => {
    [c.sequenceIdStart, c.sequenceIdEnd] = parseIdRange(v);
  },
  "serial-sequences": (c) => {
    c.serialSequences = true;
  },
  "validation-mode": (c, _s, v) => {
    c.validationMode = parseChoice("--validation-mode", v, ["fail", "count"]);
  },
} satisfies Record<string, Handler>;
