/**
 * `dist collect`: the worker artifacts out of `kubectl logs` output. The logs of all pods may
 * come concatenated, with or without kubectl's `--prefix` ("[pod/NAME/worker] " before every
 * line); each artifact sits between the markers the pod script prints (manifest.ts).
 */
import { UsageError } from "../../errors.ts";
import { END_MARKER } from "./manifest.ts";

const BEGIN = /^----- BEGIN perf_analyzer artifact (worker-\d+\.json) -----$/;
/** kubectl logs --prefix: "[pod/<name>/<container>] ". */
const PREFIX = /^\[[^\]\n]*\] /;

/** File name → artifact text, in the order found. */
export function extractArtifacts(logs: string): Map<string, string> {
  const found = new Map<string, string>();
  // Per line prefix (one per pod): the artifact being read. Followed logs of several pods
  // interleave their lines, so more than one can be open at once.
  const open = new Map<string, { file: string; lines: string[] }>();
  for (const raw of logs.split("\n")) {
    const prefix = PREFIX.exec(raw)?.[0] ?? "";
    const line = raw.slice(prefix.length);
    const current = open.get(prefix);
    if (current === undefined) {
      const m = BEGIN.exec(line);
      if (m !== null) open.set(prefix, { file: m[1], lines: [] });
      continue;
    }
    if (line !== END_MARKER) {
      current.lines.push(line);
      continue;
    }
    open.delete(prefix);
    const text = current.lines.join("\n").trim() + "\n";
    const before = found.get(current.file);
    if (before !== undefined && before !== text) {
      throw new UsageError(`Two different artifacts named ${current.file} in the logs.`);
    }
    found.set(current.file, text);
  }
  const cut = [...open.values()][0];
  if (cut !== undefined) {
    throw new UsageError(
      `The logs end inside ${cut.file} (no end marker): was the log cut short, or the pod ` +
        "still running?",
    );
  }
  return found;
}
