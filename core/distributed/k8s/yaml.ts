/**
 * The YAML the manifest needs, and no more: block mappings and sequences of strings, numbers
 * and booleans. Every string is written double-quoted with JSON's escapes (a YAML double-quoted
 * scalar accepts them all), so no value can turn into a number, a boolean or a comment; a string
 * of several lines is written as a literal block, so a shell script stays readable.
 */

export type YamlValue = string | number | boolean | YamlValue[] | { [key: string]: YamlValue };

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;

function key(k: string): string {
  return PLAIN_KEY.test(k) ? k : JSON.stringify(k);
}

/**
 * Text written as a literal block: several lines, no control character but the newline, not
 * ending in two newlines (that needs "|+"), and a first non-empty line that does not start with
 * a blank (YAML takes the block's indentation from it). Any other text is quoted.
 */
function isBlockText(v: YamlValue): v is string {
  if (typeof v !== "string" || !v.includes("\n") || v.endsWith("\n\n")) return false;
  // deno-lint-ignore no-control-regex
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(v)) return false;
  const first = v.split("\n").find((l) => l !== "");
  return first !== undefined && !/^[ \t]/.test(first);
}

/** A scalar, or a literal block whose lines are indented by `indent` spaces. */
function scalar(v: string | number | boolean, indent: number): string {
  if (typeof v !== "string") {
    if (typeof v === "number" && !Number.isFinite(v)) throw new Error(`not a YAML number: ${v}`);
    return String(v);
  }
  if (!isBlockText(v)) return JSON.stringify(v);
  // "|" keeps one final newline, "|-" none; more than one trailing newline is quoted above.
  const chomp = v.endsWith("\n") ? "|" : "|-";
  const body = v.endsWith("\n") ? v.slice(0, -1) : v;
  const pad = " ".repeat(indent);
  return `${chomp}\n${body.split("\n").map((l) => (l === "" ? "" : pad + l)).join("\n")}`;
}

function isEmpty(v: YamlValue): boolean {
  return typeof v === "object" && Object.keys(v).length === 0;
}

function lines(v: YamlValue, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(v)) {
    return v.flatMap((item) => {
      if (typeof item !== "object" || isEmpty(item)) {
        return [
          `${pad}- ${
            isEmpty(item) ? (Array.isArray(item) ? "[]" : "{}") : scalar(item as string, indent + 2)
          }`,
        ];
      }
      // The first line of a nested block goes right after the dash.
      const inner = lines(item, indent + 2);
      return [`${pad}- ${inner[0].trimStart()}`, ...inner.slice(1)];
    });
  }
  if (typeof v === "object") {
    return Object.entries(v).flatMap(([k, item]) => {
      if (typeof item !== "object") return [`${pad}${key(k)}: ${scalar(item, indent + 2)}`];
      if (isEmpty(item)) return [`${pad}${key(k)}: ${Array.isArray(item) ? "[]" : "{}"}`];
      // Sequences under a key are not indented further, as kubectl writes them.
      return [`${pad}${key(k)}:`, ...lines(item, Array.isArray(item) ? indent : indent + 2)];
    });
  }
  return [`${pad}${scalar(v, indent)}`];
}

/** One YAML document per object, separated by "---". */
export function toYaml(documents: readonly { [key: string]: YamlValue }[]): string {
  return documents.map((d) => lines(d, 0).join("\n") + "\n").join("---\n");
}
