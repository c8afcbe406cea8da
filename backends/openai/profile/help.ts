/** `profile --help`: the flags in GenAI-Perf's names, their aliases and what they do. */
import { wrapLines } from "../../../core/cli/help.ts";
import { PROFILE_FLAGS } from "./options.ts";

export function profileHelp(): string {
  const head = [
    "Usage: perf_analyzer profile -m <model> [options]",
    "",
    "GenAI-Perf's profile on this tool's engine: builds the prompts into <artifact dir>/" +
    "inputs.json, measures with the openai service kind, and writes GenAI-Perf's console " +
    "table, profile_export_genai_perf.csv and profile_export_genai_perf.json into the " +
    "artifact dir. Aliases (AIPerf's, vLLM's) follow each flag's GenAI-Perf name.",
    "",
  ].flatMap((l) => l === "" ? [""] : wrapLines(l, 0));
  const indent = 8;
  const rows = PROFILE_FLAGS.flatMap((f) => {
    const names = f.names.join(", ") + (f.value === "" ? "" : ` ${f.value}`);
    return [`  ${names}`, ...wrapLines(f.help, indent).map((l) => " ".repeat(indent) + l)];
  });
  return [...head, ...rows, ""].join("\n");
}
