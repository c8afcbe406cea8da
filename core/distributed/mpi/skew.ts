/**
 * Start skew: how far apart the ranks of one mpirun job leave the same barrier. Run as a
 * script under mpirun (`mpirun -n 4 deno run -A core/distributed/mpi/skew.ts [barriers] [dir]`),
 * each rank prints one JSON line with its wall-clock release times, or writes it to
 * `dir/rank-<rank>.json`: mpirun forwards output in chunks of about 2 KB and interleaves the
 * ranks' chunks, so the long lines of many barriers come back mixed. {@link barrierSkewsMs}
 * turns those lines into one skew per barrier. Wall clocks compare only on one host, which is
 * where the tests and the bench run it.
 */
import { initMpi } from "./ffi.ts";

export interface RankReleases {
  rank: number;
  size: number;
  /** Wall-clock ms (sub-ms precision) at which each barrier released this rank. */
  releasesMs: number[];
}

/** Latest minus earliest release of each barrier across the ranks, in ms. */
export function barrierSkewsMs(ranks: readonly RankReleases[]): number[] {
  const n = Math.min(...ranks.map((r) => r.releasesMs.length));
  return Array.from({ length: n }, (_, i) => {
    const t = ranks.map((r) => r.releasesMs[i]);
    return Math.max(...t) - Math.min(...t);
  });
}

/** The rank lines among a job's output (other lines, such as mpirun's own, are skipped). */
export function parseReleases(stdout: string): RankReleases[] {
  return stdout.split("\n").filter((l) => l.startsWith('{"rank"')).map((l) => JSON.parse(l));
}

if (import.meta.main) {
  const barriers = Number(Deno.args[0] ?? 20);
  const world = initMpi();
  const releasesMs: number[] = [];
  for (let i = 0; i < barriers; i++) {
    await world.barrier();
    releasesMs.push(performance.timeOrigin + performance.now());
  }
  const line: RankReleases = { rank: world.rank, size: world.size, releasesMs };
  const dir = Deno.args[1];
  if (dir === undefined) console.log(JSON.stringify(line));
  else await Deno.writeTextFile(`${dir}/rank-${world.rank}.json`, JSON.stringify(line));
  world.finalize();
}
