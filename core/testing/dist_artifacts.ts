/**
 * Worker artifacts for tests, made by the workers' own code (Window → encodeWindow): n workers
 * of one concurrency level, request j of each window going to worker j mod n, next to the
 * windows one machine would have recorded from all the requests.
 */
import { RequestRecord } from "../measure/record.ts";
import { Window } from "../measure/window.ts";
import { HISTOGRAM_SETTINGS } from "../measure/histogram.ts";
import { ARTIFACT_FORMAT, encodeWindow, type WorkerArtifact } from "../distributed/artifact.ts";
import { evenSegmentation, segmentText, sequenceText } from "../distributed/segment.ts";
import { modelInfo } from "./model_info.ts";

/** The window length of the made runs. */
export const W = 1e9;
const T0 = 5e9;

/** Request j of window k: sent on a 1 ms grid, latency pseudo-random with a slow tail. */
function requestAt(rec: RequestRecord, k: number, j: number): RequestRecord {
  const sendNs = T0 + k * W + j * 1e6;
  rec.reset(sendNs);
  rec.sendStartNs = sendNs;
  rec.sendEndNs = sendNs + 100;
  const latency = 200_000 + ((j * 7919 + k * 104729) % 1_000_000) + (j % 50 === 0 ? 9e6 : 0);
  rec.addResponse(sendNs + latency);
  rec.endNs = rec.lastResponseNs;
  if (j % 97 === 0) rec.fail("server_error", "boom", rec.endNs);
  return rec;
}

/**
 * n workers' artifacts of one level, request j going to worker j mod n; and the windows one
 * machine would have recorded from all the requests.
 */
export function makeRun(
  n: number,
  perWindow: number[],
  argv: string[] = [],
): { artifacts: WorkerArtifact[]; whole: Window[] } {
  const rec = new RequestRecord();
  const whole = perWindow.map(() => new Window());
  const parts = Array.from({ length: n }, () => perWindow.map(() => new Window()));
  perWindow.forEach((count, k) => {
    whole[k].begin(T0 + k * W);
    for (const p of parts) p[k].begin(T0 + k * W);
    for (let j = 0; j < count; j++) {
      whole[k].record(requestAt(rec, k, j));
      parts[j % n][k].record(requestAt(rec, k, j));
    }
    whole[k].close(T0 + (k + 1) * W, 0);
    // Each worker spent 100 ms of CPU per 1 s window: 10 % client overhead.
    for (const p of parts) p[k].close(T0 + (k + 1) * W, 100_000);
  });
  const artifacts = parts.map((windows, index): WorkerArtifact => {
    const seg = evenSegmentation(index, n);
    return {
      format: ARTIFACT_FORMAT,
      runId: "r",
      configHash: "h",
      argv,
      worker: {
        index,
        count: n,
        segment: segmentText(seg),
        sequence: sequenceText(seg),
        host: "h",
        engine: "flags",
        rankEnv: {},
      },
      clock: { mode: "start-at", startAtMs: 1, actualStartMs: 1, lateNs: 0 },
      histogram: HISTOGRAM_SETTINGS,
      windowNs: W,
      windowsPerLevel: perWindow.length,
      model: modelInfo(),
      serverStats: index === 0,
      levels: [{
        mode: "concurrency",
        value: 8,
        share: 8 / n,
        windows: windows.map((w, k) => encodeWindow(w, k, T0)),
      }],
    };
  });
  for (const p of parts) for (const w of p) w.destroy();
  return { artifacts: JSON.parse(JSON.stringify(artifacts)), whole };
}
