/** Window deltas of the server's cumulative statistics (docs/perf_analyzer.md §2.6). */
import {
  type Backend,
  type ComposingModel,
  hasAllModelStats,
  hasServerStats,
  type ModelStats,
  type VersionedModelStats,
} from "../backend.ts";
import { isRunError, RunError } from "../errors.ts";

const KEYS: (keyof ModelStats)[] = [
  "inferenceCount",
  "executionCount",
  "successCount",
  "successNs",
  "queueCount",
  "queueNs",
  "computeInputCount",
  "computeInputNs",
  "computeInferCount",
  "computeInferNs",
  "computeOutputCount",
  "computeOutputNs",
  "cacheHitCount",
  "cacheHitNs",
  "cacheMissCount",
  "cacheMissNs",
];

/** A level's server statistics; ensembles and BLS models add their composing models'. */
export interface ServerStats extends ModelStats {
  /** Sorted by name, then version (perf_analyzer's order); absent for a plain model. */
  composing?: ComposingStats[];
}

/** One composing model's statistics over the level, under the version that served it. */
export interface ComposingStats {
  name: string;
  version: string;
  stats: ServerStats;
}

/** `after − before`, field by field. Counters are cumulative, so this is what a window saw. */
export function statsDelta(before: ModelStats, after: ModelStats): ModelStats {
  const out = {} as ModelStats;
  for (const k of KEYS) out[k] = after[k] - before[k];
  return out;
}

/** A ModelStats of zeros, for summing. */
export function emptyStats(): ModelStats {
  const out = {} as ModelStats;
  for (const k of KEYS) out[k] = 0;
  return out;
}

/** Some counter, here or in a composing model, went backwards: the server restarted. */
export function wentBackwards(s: ServerStats): boolean {
  return KEYS.some((k) => s[k] < 0) || (s.composing ?? []).some((c) => wentBackwards(c.stats));
}

/**
 * What the level measurer reads at every window edge, and how two reads become the statistics of
 * what happened between them. `S` is opaque to the measurer.
 */
export interface ServerStatsReader<S = unknown> {
  read(): Promise<S | undefined>;
  delta(before: S, after: S): ServerStats;
  /**
   * Some counter is lower in `after` than in `before`, or a model listed before is gone: the
   * server restarted between the two reads, and no delta across them is honest.
   */
  restarted(before: S, after: S): boolean;
}

/** A plain model: one model's cumulative counters per read. */
export function modelStatsReader(
  read: () => Promise<ModelStats | undefined>,
): ServerStatsReader<ModelStats> {
  return { read, delta: statsDelta, restarted: (b, a) => wentBackwards(statsDelta(b, a)) };
}

/**
 * An ensemble or a BLS model: every model's counters per read (one listing), split into the top
 * model's and each composing model's, recursively. `warn` gets perf_analyzer's warning when a
 * composing model without a pinned version had requests on several versions.
 */
export function composingStatsReader(
  read: () => Promise<VersionedModelStats[]>,
  model: string,
  version: string,
  composing: readonly ComposingModel[],
  warn: (message: string) => void,
): ServerStatsReader<VersionedModelStats[]> {
  return {
    read,
    restarted: (before, after) => {
      const a = index(after);
      return before.some((e) => {
        const now = a.get(e.name)?.get(e.version);
        return now === undefined || wentBackwards(statsDelta(e.stats, now));
      });
    },
    delta: (before, after) => {
      const b = index(before);
      const a = index(after);
      const top = pick(model, version, b, a, warn);
      return { ...top.stats, composing: composingDeltas(composing, b, a, warn) };
    },
  };
}

type Listing = Map<string, Map<string, ModelStats>>;

function index(list: VersionedModelStats[]): Listing {
  const out: Listing = new Map();
  for (const e of list) {
    let versions = out.get(e.name);
    if (versions === undefined) out.set(e.name, versions = new Map());
    versions.set(e.version, e.stats);
  }
  return out;
}

function composingDeltas(
  models: readonly ComposingModel[],
  before: Listing,
  after: Listing,
  warn: (message: string) => void,
): ComposingStats[] {
  const out = new Map<string, ComposingStats>();
  for (const m of models) {
    const { version, stats } = pick(m.name, m.version, before, after, warn);
    const entry: ServerStats = m.composing.length > 0
      ? { ...stats, composing: composingDeltas(m.composing, before, after, warn) }
      : stats;
    // Two unpinned entries can land on the same version; it is reported once, as a map would.
    out.set(`${m.name}\0${version}`, { name: m.name, version, stats: entry });
  }
  const cmp = (x: string, y: string) => x < y ? -1 : x > y ? 1 : 0;
  return [...out.values()].sort((x, y) => cmp(x.name, y.name) || cmp(x.version, y.version));
}

/**
 * The delta of `name` at `version`, or, with no version, at the version whose queue count grew
 * (the highest one, with a warning, when several did). When none grew the model had no requests;
 * its highest version is reported with zero counts, where perf_analyzer would stop the run.
 */
function pick(
  name: string,
  version: string,
  before: Listing,
  after: Listing,
  warn: (message: string) => void,
): { version: string; stats: ModelStats } {
  const versions = after.get(name) ?? new Map<string, ModelStats>();
  const start = (v: string) => before.get(name)?.get(v) ?? emptyStats();
  let chosen = version;
  if (chosen === "") {
    const grew = [...versions.keys()]
      .filter((v) => versions.get(v)!.queueCount > start(v).queueCount)
      .sort(byNumber);
    if (grew.length > 1) {
      warn(
        `WARNING: Multiple versions of model ${name} are loaded in the triton server, and the ` +
          "version to use was unspecified. The stats for that model may be inaccurate.",
      );
    }
    chosen = grew.at(-1) ?? [...versions.keys()].sort(byNumber).at(-1) ?? "";
  }
  const end = versions.get(chosen);
  return {
    version: chosen,
    stats: end === undefined ? emptyStats() : statsDelta(start(chosen), end),
  };
}

function byNumber(a: string, b: string): number {
  return Number(a) - Number(b);
}

/**
 * How a run reads the server: undefined without statistics; a plain model's own counters; or,
 * for a model with composing models (ensemble steps and `bls`), every model's listing. Checks
 * now that each composing model is listed, so a wrong name fails before any load is sent.
 */
export async function serverStatsReader(
  backend: Backend,
  model: string,
  version: string,
  composing: readonly ComposingModel[],
  warn: (message: string) => void,
): Promise<ServerStatsReader | undefined> {
  if (!hasServerStats(backend)) return undefined;
  const own = () => backend.serverStats(model, version);
  try {
    if ((await own()) === undefined) return undefined;
  } catch (e) {
    // Statistics the server cannot give, or gives malformed, cost the Server block, not the run.
    if (!isRunError(e)) throw e;
    warn(
      `Warning: server statistics unusable (${e.message}); no server-side breakdown will be ` +
        "reported.",
    );
    return undefined;
  }
  if (composing.length === 0) return modelStatsReader(own);
  if (!hasAllModelStats(backend)) {
    throw new RunError(
      `the model has composing models, but --service-kind ${backend.kind} cannot list every ` +
        "model's statistics to report them",
    );
  }
  const listed = new Set((await backend.allModelStats()).map((e) => e.name));
  const missing = flatten(composing).find((m) => !listed.has(m.name));
  if (missing !== undefined) {
    throw new RunError(
      `failed to get model statistics: no statistics returned for '${missing.name}'`,
    );
  }
  return composingStatsReader(() => backend.allModelStats(), model, version, composing, warn);
}

/** Every composing model of the tree, depth first. */
function flatten(models: readonly ComposingModel[]): ComposingModel[] {
  return models.flatMap((m) => [m, ...flatten(m.composing)]);
}
