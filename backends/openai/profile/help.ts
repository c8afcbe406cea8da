/** `profile --help`: the flags in GenAI-Perf's names, their aliases and what they do. */
import { PROFILE_FLAGS } from "./options.ts";

const WIDTH = 100;

/** Wraps `text` to the help's width, each line after the first indented by `indent`. */
function wrap(text: string, indent: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line !== "" && indent + line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = word;
    } else line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "") lines.push(line);
  return lines;
}

export function profileHelp(): string {
  const head = [
    "Usage: perf_analyzer profile -m <model> [options]",
    "",
    "GenAI-Perf's profile on this tool's engine: builds the prompts into <artifact dir>/" +
    "inputs.json, measures with the openai service kind, and writes GenAI-Perf's console " +
    "table, profile_export_genai_perf.csv and profile_export_genai_perf.json into the " +
    "artifact dir. Aliases (AIPerf's, vLLM's) follow each flag's GenAI-Perf name.",
    "",
  ].flatMap((l) => l === "" ? [""] : wrap(l, 0));
  const indent = 8;
  const rows = PROFILE_FLAGS.flatMap((f) => {
    const names = f.names.join(", ") + (f.value === "" ? "" : ` ${f.value}`);
    return [`  ${names}`, ...wrap(f.help, indent).map((l) => " ".repeat(indent) + l)];
  });
  return [...head, ...rows, ""].join("\n");
}
