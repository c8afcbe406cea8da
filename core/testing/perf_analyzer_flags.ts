/**
 * Every flag spelling perf_analyzer has, read from the first column of the flag table in
 * docs/perf_analyzer.md: tests check that --help marks exactly the other ones "(ours)".
 */
const DOC = new URL("../../docs/perf_analyzer.md", import.meta.url);

/** "-m", "--service-kind", ... as the table spells them. */
export function perfAnalyzerFlagNames(): Set<string> {
  const names = new Set<string>();
  for (const line of Deno.readTextFileSync(DOC).split("\n")) {
    const cell = line.match(/^\| `([^`]+)`/);
    if (cell) { for (const n of flagNames(cell[1])) names.add(n); }
  }
  return names;
}

/** The dash-led names in a flag spelling such as "-p, --measurement-interval <ms>". */
export function flagNames(spelling: string): string[] {
  return [...spelling.matchAll(/(?:^|[\s,/])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1]);
}
