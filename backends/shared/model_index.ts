/**
 * The server's model repository index (KServe v2 / Triton: POST /v2/repository/index over
 * HTTP, RepositoryIndex over gRPC), read only when the model named with -m was refused, so the
 * error can say which models the server does have.
 */
import { asObject, asString } from "./json_fields.ts";

export interface IndexEntry {
  name: string;
  /** "READY", "UNAVAILABLE", ... ("" when the server sent none). */
  state: string;
  reason: string;
}

/** Models named in the hint before "and N more". */
const MAX_LISTED = 20;

/** The entries of an index reply's model list (entries without a name are skipped). */
export function indexEntries(list: unknown[]): IndexEntry[] {
  const out: IndexEntry[] = [];
  for (const item of list) {
    const o = asObject(item);
    const name = asString(o?.name);
    if (name === undefined) continue;
    out.push({ name, state: asString(o?.state) ?? "", reason: asString(o?.reason) ?? "" });
  }
  return out;
}

/**
 * What the index adds to the refusal of `model`: the models the server has when it is not
 * among them, its state when it is there but not ready, "" when it is listed as ready (the
 * server's own message then says what is wrong).
 */
export function unknownModelHint(model: string, entries: IndexEntry[]): string {
  const mine = entries.filter((e) => e.name === model);
  if (mine.length > 0) {
    const broken = mine.find((e) => e.state !== "" && e.state !== "READY");
    if (broken === undefined || mine.some((e) => e.state === "READY")) return "";
    const why = broken.reason === "" ? "" : ` (${broken.reason})`;
    return `. The server lists '${model}' as ${broken.state}${why}: check its load in the ` +
      "server's log";
  }
  if (entries.length === 0) return ". The server's model repository is empty";
  const names = [...new Set(entries.map((e) => e.name))];
  const state = new Map<string, string>();
  for (const e of entries) {
    if (e.state === "READY" || !state.has(e.name)) state.set(e.name, e.state);
  }
  const shown = names.slice(0, MAX_LISTED).map((n) => {
    const s = state.get(n)!;
    return s === "" || s === "READY" ? n : `${n} (${s})`;
  });
  const more = names.length > MAX_LISTED ? ` and ${names.length - MAX_LISTED} more` : "";
  return `. The server has: ${shown.join(", ")}${more}. Pass one of them with -m`;
}
