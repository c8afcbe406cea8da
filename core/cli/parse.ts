/**
 * getopt_long-style scanning of argv into (option, value) pairs, in argv order. Knows syntax
 * only (clusters, attached values, `--name=value`, `--`); what a value means is decided by
 * the config builder. A generator, so an error in a later argument cannot hide an error in an
 * earlier one: the caller applies each pair before the next is scanned, as perf_analyzer does.
 */
import { isUsageError, UsageError } from "../errors.ts";
import { displayName, type OptionSpec, type OptionTable } from "./spec.ts";
import { didYouMean } from "./suggest.ts";

export interface ScannedOption {
  spec: OptionSpec;
  /** The value, or undefined for flags. */
  value: string | undefined;
  /** The option as the user typed it ("-b", "--concurrency-range"), for messages. */
  typed: string;
}

/**
 * Yields every option of argv (argv excludes the program name). Throws UsageError on bad
 * syntax, unless `tolerant`: then an argument it cannot read (an option the table lacks, a
 * positional) is skipped, so argv can be searched for --service-kind before a plugin's flags
 * are in the table.
 */
export function* scanArgs(
  argv: readonly string[],
  table: OptionTable,
  tolerant = false,
): Generator<ScannedOption> {
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++];
    if (arg === "--") {
      // Everything after "--" is positional, and this tool takes no positional arguments.
      if (i < argv.length && !tolerant) throw positional(argv[i]);
      return;
    }
    let options: ScannedOption[];
    let consumed: number;
    try {
      if (arg.startsWith("--")) {
        const [option, n] = scanLong(table, arg, argv, i);
        [options, consumed] = [[option], n];
      } else if (arg.startsWith("-") && arg.length > 1) {
        [options, consumed] = scanShortCluster(table, arg, argv, i);
      } else {
        throw positional(arg);
      }
    } catch (e) {
      if (tolerant && isUsageError(e)) continue;
      throw e;
    }
    i += consumed;
    yield* options;
  }
}

function positional(arg: string): UsageError {
  return new UsageError(`Unexpected argument '${arg}'. This tool takes no positional arguments.`);
}

/** Scans one `--name`, `--name=value` or `--name value`; returns the option and argv items consumed after it. */
function scanLong(
  table: OptionTable,
  arg: string,
  argv: readonly string[],
  next: number,
): [ScannedOption, number] {
  const eq = arg.indexOf("=");
  const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
  const found = table.findLong(name);
  if (found === undefined) {
    const longs = table.options.flatMap((o) => o.long === undefined ? [] : [o.long]);
    const hint = didYouMean(name, longs, (l) => `'--${l}'`);
    throw new UsageError(`Invalid long option '--${name}'${hint === "" ? "" : `.${hint}`}`);
  }
  if (Array.isArray(found)) {
    const candidates = found.map(displayName).join(", ");
    throw new UsageError(`Ambiguous long option '--${name}' (could be ${candidates})`);
  }
  const typed = displayName(found);
  if (!found.takesValue) {
    if (eq >= 0) {
      throw new UsageError(`Option '${typed}' does not take a value. Got "${arg.slice(eq + 1)}".`);
    }
    return [{ spec: found, value: undefined, typed }, 0];
  }
  if (eq >= 0) return [{ spec: found, value: arg.slice(eq + 1), typed }, 0];
  // Like getopt, the next argument is the value even when it starts with '-' (e.g. "--percentile -1").
  if (next >= argv.length) throw new UsageError(`Missing value for option '${typed}'`);
  return [{ spec: found, value: argv[next], typed }, 1];
}

/** Scans `-abc`, `-b4`, `-b 4`; returns the options and argv items consumed after the cluster. */
function scanShortCluster(
  table: OptionTable,
  arg: string,
  argv: readonly string[],
  next: number,
): [ScannedOption[], number] {
  const options: ScannedOption[] = [];
  for (let k = 1; k < arg.length; k++) {
    const letter = arg[k];
    const spec = table.findShort(letter);
    if (spec === undefined) throw new UsageError(`Invalid short option '-${letter}'`);
    const typed = `-${letter}`;
    if (!spec.takesValue) {
      options.push({ spec, value: undefined, typed });
      continue;
    }
    // The rest of the cluster, if any, is the value (getopt's "-b4").
    if (k + 1 < arg.length) {
      options.push({ spec, value: arg.slice(k + 1), typed });
      return [options, 0];
    }
    if (next >= argv.length) throw new UsageError(`Missing value for option '${typed}'`);
    options.push({ spec, value: argv[next], typed });
    return [options, 1];
  }
  return [options, 0];
}
