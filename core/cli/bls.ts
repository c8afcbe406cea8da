/**
 * --bls-composing-models a:3,b: the models a BLS model calls. Their server statistics are read
 * and reported under the profiled model's, as an ensemble's steps are (docs/perf_analyzer.md §2.6).
 */
import type { RunConfig } from "./config.ts";
import type { ParseState } from "./apply.ts";
import type { HelpEntry } from "./help_table.ts";
import { valueError } from "./values.ts";

const LABEL = "--bls-composing-models";

/** A model named on the command line, with its version or "" (unpinned). */
export interface ModelRef {
  name: string;
  version: string;
}

/**
 * Comma-separated `name[:version]`, spaces around each item ignored, as perf_analyzer's parser
 * takes them. A version must be a non-negative integer: it names a model directory.
 */
export function parseBlsComposingModels(text: string): ModelRef[] {
  return text.split(",").map((item) => {
    const trimmed = item.trim();
    const colon = trimmed.indexOf(":");
    const name = (colon < 0 ? trimmed : trimmed.slice(0, colon)).trim();
    const version = colon < 0 ? "" : trimmed.slice(colon + 1).trim();
    if (name === "") throw valueError(LABEL, "A model name is empty.", text);
    if (colon >= 0 && !/^\d+$/.test(version)) {
      throw valueError(LABEL, `The version of "${name}" must be a whole number.`, text);
    }
    return { name, version };
  });
}

type Handler = (config: RunConfig, state: ParseState, value: string) => void;

export const BLS_HANDLERS = {
  "bls-composing-models": (c, _s, v) => {
    c.blsComposingModels = parseBlsComposingModels(v);
  },
} satisfies Record<string, Handler>;

export const BLS_HELP: HelpEntry = {
  id: "bls-composing-models",
  flags: "--bls-composing-models <a:3,b>",
  def: "none",
  text: "Models the profiled BLS model calls, as name[:version], comma-separated: their " +
    "server statistics are reported under it (Composing models, one CSV each with -f), as an " +
    "ensemble's steps are. Without a version, each level reports the version whose queue grew.",
};
