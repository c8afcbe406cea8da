/**
 * A strict parser of the Prometheus text exposition format (version 0.0.4), the format of
 * Triton's `/metrics` endpoint (docs/protocols.md §3). Strict because a scrape that parses "mostly"
 * would silently report wrong GPU numbers: any malformed line is a SyntaxError naming the line.
 */

export type MetricType = "counter" | "gauge" | "histogram" | "summary" | "untyped";

export interface Sample {
  /** Metric name, e.g. "nv_gpu_utilization". */
  name: string;
  /** Label name → unescaped value, in the order written. */
  labels: Map<string, string>;
  /** NaN, +Inf and -Inf included. */
  value: number;
  /** Milliseconds since the epoch, when the line carries one. */
  timestampMs?: number;
}

export interface Exposition {
  samples: Sample[];
  /** From `# TYPE` lines. */
  types: Map<string, MetricType>;
  /** From `# HELP` lines, unescaped. */
  help: Map<string, string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;
const TYPES = new Set<string>(["counter", "gauge", "histogram", "summary", "untyped"]);
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INTEGER = /^-?\d+$/;

function fail(lineNo: number, why: string, line: string): never {
  const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
  throw new SyntaxError(
    `Cannot parse metrics line ${lineNo}: ${why} (line: ${JSON.stringify(shown)})`,
  );
}

/** Prometheus values: Go's float syntax plus NaN and ±Inf (case-insensitive, as Go reads them). */
export function parseValue(text: string): number | undefined {
  const lower = text.toLowerCase();
  if (lower === "nan") return NaN;
  if (lower === "+inf" || lower === "inf") return Infinity;
  if (lower === "-inf") return -Infinity;
  return FLOAT.test(text) ? Number(text) : undefined;
}

/** `\\`, `\"` and `\n` inside a label value; any other escape is an error. */
function readLabelValue(line: string, at: number, lineNo: number): [string, number] {
  if (line[at] !== '"') fail(lineNo, "a label value must start with '\"'", line);
  let out = "";
  for (let i = at + 1; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') return [out, i + 1];
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = line[++i];
    if (next === "\\") out += "\\";
    else if (next === '"') out += '"';
    else if (next === "n") out += "\n";
    else fail(lineNo, `unknown escape "\\${next ?? ""}" in a label value`, line);
  }
  return fail(lineNo, "unterminated label value", line);
}

/** Parses `{a="x",b="y"}` starting at the `{`; returns the labels and the index after `}`. */
function readLabels(line: string, at: number, lineNo: number): [Map<string, string>, number] {
  const labels = new Map<string, string>();
  let i = at + 1;
  for (;;) {
    while (line[i] === " " || line[i] === "\t") i++;
    if (line[i] === "}") return [labels, i + 1];
    const name = LABEL_NAME.exec(line.slice(i))?.[0];
    if (name === undefined) fail(lineNo, "expected a label name or '}'", line);
    i += name.length;
    while (line[i] === " " || line[i] === "\t") i++;
    if (line[i] !== "=") fail(lineNo, `expected '=' after label "${name}"`, line);
    i++;
    while (line[i] === " " || line[i] === "\t") i++;
    const [value, after] = readLabelValue(line, i, lineNo);
    if (labels.has(name)) fail(lineNo, `duplicate label "${name}"`, line);
    labels.set(name, value);
    i = after;
    while (line[i] === " " || line[i] === "\t") i++;
    if (line[i] === ",") i++;
    else if (line[i] !== "}") fail(lineNo, "expected ',' or '}' after a label", line);
  }
}

function parseSample(line: string, lineNo: number): Sample {
  const name = METRIC_NAME.exec(line)?.[0];
  if (name === undefined) fail(lineNo, "expected a metric name", line);
  let i = name.length;
  let labels = new Map<string, string>();
  if (line[i] === "{") [labels, i] = readLabels(line, i, lineNo);
  const rest = line.slice(i);
  if (rest !== "" && rest[0] !== " " && rest[0] !== "\t") {
    fail(lineNo, "expected a space before the value", line);
  }
  const fields = rest.trim().split(/[ \t]+/);
  if (fields.length === 0 || fields[0] === "") fail(lineNo, `metric "${name}" has no value`, line);
  if (fields.length > 2) fail(lineNo, "unexpected text after the timestamp", line);
  const value = parseValue(fields[0]);
  if (value === undefined) fail(lineNo, `value "${fields[0]}" is not a number`, line);
  const sample: Sample = { name, labels, value };
  if (fields.length === 2) {
    if (!INTEGER.test(fields[1])) fail(lineNo, `timestamp "${fields[1]}" is not an integer`, line);
    sample.timestampMs = Number(fields[1]);
  }
  return sample;
}

/** `# HELP name text` and `# TYPE name type`; any other `#` line is a comment. */
function parseComment(line: string, lineNo: number, out: Exposition): void {
  const m = /^#[ \t]+(HELP|TYPE)(?:[ \t]+(.*))?$/.exec(line);
  if (!m) return;
  const body = m[2] ?? "";
  const name = METRIC_NAME.exec(body)?.[0];
  if (name === undefined) fail(lineNo, `# ${m[1]} needs a metric name`, line);
  const rest = body.slice(name.length);
  if (rest !== "" && rest[0] !== " " && rest[0] !== "\t") {
    fail(lineNo, `bad metric name in # ${m[1]}`, line);
  }
  const text = rest.replace(/^[ \t]+/, "");
  if (m[1] === "HELP") {
    if (out.help.has(name)) fail(lineNo, `second # HELP for "${name}"`, line);
    out.help.set(name, text.replace(/\\(\\|n)/g, (_, c) => (c === "n" ? "\n" : "\\")));
    return;
  }
  const type = text.trim();
  if (!TYPES.has(type)) fail(lineNo, `unknown metric type "${type}"`, line);
  if (out.types.has(name)) fail(lineNo, `second # TYPE for "${name}"`, line);
  out.types.set(name, type as MetricType);
}

/** Parses a whole exposition; throws SyntaxError with the 1-based line number on bad input. */
export function parsePrometheus(text: string): Exposition {
  const out: Exposition = { samples: [], types: new Map(), help: new Map() };
  const lines = text.split("\n");
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n].endsWith("\r") ? lines[n].slice(0, -1) : lines[n];
    if (line.trim() === "") continue;
    if (line.trimStart().startsWith("#")) parseComment(line.trimStart(), n + 1, out);
    else out.samples.push(parseSample(line.trimStart(), n + 1));
  }
  return out;
}
