import assert from "node:assert/strict";
import {
  cpusAllowed,
  firstCpu,
  oneCpu,
  type OpenAiBenchPlan,
  openAiPlan,
  OUTPUT_TOKENS,
  runOpenAiSection,
} from "./bench_openai.ts";
import type { ClientReport } from "./bench_openai_client.ts";
import type { MockRequest } from "./bench_openai_server.ts";
import {
  bySlot,
  OPENAI_TITLE,
  openAiLines,
  openAiProblems,
  type OpenAiRow,
  openAiRow,
  type OpenAiSoak,
  openAiTargets,
  ttftOverheads,
} from "./bench_openai_report.ts";

/** Role, the tokens, finish, usage and [DONE]. */
const EVENTS = OUTPUT_TOKENS + 4;

function mockReq(
  requestId: string,
  index: number,
  firstTokenNs: number,
  arrivalNs = 0,
): MockRequest {
  return { requestId, index, status: 200, arrivalNs, firstTokenNs, events: EVENTS };
}

function report(over: Partial<ClientReport> = {}): ClientReport {
  return {
    client: "test client",
    streams: 2,
    seconds: 2,
    completed: 3,
    events: 3 * EVENTS,
    tokenEvents: 3 * OUTPUT_TOKENS,
    failures: 0,
    firstError: "",
    cpuS: 0.5,
    peakRssMb: 80,
    firstTokens: [],
    ...over,
  };
}

/** A row's placement when Linux placed its processes on a 2-CPU machine. */
const ANY_CPU = {
  placement: "scheduler",
  mockCpusAllowed: "0-1",
  clientCpusAllowed: "0-1",
} as const;

function row(over: Partial<OpenAiRow> = {}): OpenAiRow {
  const r = openAiRow({
    client: "ours",
    ...ANY_CPU,
    report: report(),
    mock: [],
    mockCpuS: 1,
    otherCpuS: 0,
    clientWaitS: 0,
    mockWaitS: 0,
  });
  return { ...r, mockEventsPerStream: EVENTS, ...over };
}

Deno.test("ttftOverheads: the n-th request of slot k is the n-th bench-k request the mock saw", () => {
  // Arrival order interleaves the slots; the list is given out of order on purpose.
  const mock = bySlot([
    mockReq("bench-1", 3, 9_000, 8_000),
    mockReq("bench-0", 0, 1_000, 900),
    mockReq("bench-1", 1, 2_000, 1_500),
    mockReq("bench-0", 2, 5_000, 4_990),
    mockReq("bench-0", 4, -1),
  ]);
  const readings: ClientReport["firstTokens"] = [
    [0, 1, 5_040, 4_000],
    [1, 0, 2_010, 1_000],
    [1, 1, 9_500, 7_000],
    [0, 2, 7_000, 0],
    [2, 0, 1, 0],
  ];
  const { overheadsUs, excessUs, unmatched } = ttftOverheads(readings, mock);
  assert.deepEqual(overheadsUs, [0.04, 0.01, 0.5]);
  // Client TTFT minus mock TTFT: (5040 - 4000) - (5000 - 4990), (2010 - 1000) - (2000 - 1500), ...
  assert.deepEqual(excessUs, [1.03, 0.51, 1.5]);
  // bench-0's third request wrote no token; there is no bench-2 at all.
  assert.equal(unmatched, 2);
});

Deno.test("openAiRow: rates per window second, CPU per event, overheads in µs", () => {
  const r = openAiRow({
    client: "aiohttp",
    ...ANY_CPU,
    report: report({
      firstTokens: [[0, 0, 1_100_000, 0], [1, 0, 2_050_000, 1_000_000], [0, 1, 3_300_000, 0]],
    }),
    mock: [
      mockReq("bench-0", 0, 1_000_000, 1_000_000),
      mockReq("bench-1", 1, 2_000_000, 1_990_000),
      mockReq("bench-0", 2, 3_000_000, 1_000_000),
    ],
    mockCpuS: 1,
    otherCpuS: 0.2,
    clientWaitS: 0.1,
    mockWaitS: 0.4,
  });
  assert.equal(r.streamsPerSec, 1.5);
  assert.equal(r.eventsPerSec, (3 * EVENTS) / 2);
  assert.equal(r.eventsPerStream, EVENTS);
  assert.equal(r.mockEventsPerStream, EVENTS);
  assert.equal(r.cpuUsPerEvent, 0.5e6 / (3 * EVENTS));
  assert.equal(r.clientCpuPct, 25);
  assert.equal(r.mockCpuPct, 50);
  assert.equal(r.otherCpuPct, 10);
  assert.deepEqual([r.clientRunWaitPct, r.mockRunWaitPct], [5, 20]);
  assert.deepEqual(
    [r.matched, r.ttftOverheadP50Us, r.ttftOverheadP99Us, r.ttftOverheadMinUs],
    [3, 100, 300, 50],
  );
  // Client TTFTs 1100, 1050 and 3300 µs; the mock's 0, 10 and 2000 µs.
  assert.deepEqual([r.ttftExcessP50Us, r.ttftExcessP99Us], [1100, 1300]);
});

Deno.test("openAiRow takes a 5 s row's 200,000 requests (more than a call's arguments)", () => {
  const n = 200_000;
  const r = openAiRow({
    client: "ours",
    ...ANY_CPU,
    report: report({
      completed: n,
      events: n * EVENTS,
      // Slot 0's k-th request read its first token k ms + 1 µs + (k mod 7) µs after the write.
      firstTokens: Array.from({ length: n }, (_, k) => [0, k, k * 1e6 + 1_000 + (k % 7) * 1e3, 0]),
    }),
    mock: Array.from({ length: n }, (_, k) => mockReq("bench-0", k, k * 1e6)),
    mockCpuS: 1,
    otherCpuS: 0,
    clientWaitS: 0,
    mockWaitS: 0,
  });
  assert.deepEqual([r.matched, r.ttftOverheadMinUs, r.ttftOverheadMaxUs], [n, 1, 7]);
});

Deno.test("openAiProblems: failures, empty windows, unmatched readings, miscounted events", () => {
  assert.deepEqual(openAiProblems([row()], null), []);
  const problems = openAiProblems([
    row({ failures: 2, firstError: "HTTP 503" }),
    row({ streams: 64, completed: 0, eventsPerStream: NaN }),
    row({ streams: 256, unmatched: 4 }),
    row({ streams: 1024, eventsPerStream: EVENTS - 1 }),
  ], { ...soak(), completed: 0 });
  assert.deepEqual(problems, [
    "LLM ours at 2 streams: 2 failed streams (first: HTTP 503)",
    "LLM ours at 64 streams: no stream completed in the window",
    "LLM ours at 256 streams: 4 first-token readings the mock has no record of",
    `LLM ours at 1024 streams: ${EVENTS - 1} events per stream counted, the mock wrote ${EVENTS}`,
    "LLM soak: no stream completed",
  ]);
});

function soak(): OpenAiSoak {
  return {
    streams: 256,
    seconds: 600,
    completed: 1000,
    eventsPerSec: 50_000,
    cpuUsPerEvent: 3,
    startMb: 80,
    at25Mb: 90,
    peakMb: 100,
    endMb: 92,
    growthMb: 2,
    growthPct: 2.2,
    peakGrowthMb: 5,
    peakGrowthPct: 5.3,
    rssSeriesMb: [80, 90, 92],
    failures: 0,
    firstError: "",
  };
}

Deno.test("openAiTargets: 10× Python's events/s per count, TTFT p99 at 256, flat memory", () => {
  const targets = openAiTargets([
    row({ streams: 256, eventsPerSec: 100_000, ttftOverheadP99Us: 150 }),
    row({ client: "aiohttp", streams: 256, eventsPerSec: 20_000, ttftOverheadP99Us: 9_000 }),
    row({ streams: 64, eventsPerSec: 100_000 }),
  ], soak());
  assert.deepEqual(targets.map((t) => [t.value, t.pass]), [[5, false], [150, true], [5.3, true]]);
  assert.match(targets[0].name, /at 256 streams, ours \/ Python/);
  assert.match(targets[2].name, /600 s soak at 256 streams/);
});

Deno.test("openAiTargets: each client at its better placement", () => {
  const oneCpu = { placement: "one-cpu", mockCpusAllowed: "0", clientCpusAllowed: "0" } as const;
  const targets = openAiTargets([
    row({ streams: 1, eventsPerSec: 600_000 }),
    row({ client: "aiohttp", streams: 1, eventsPerSec: 80_000 }),
    row({ streams: 1, eventsPerSec: 1_200_000, ...oneCpu }),
    row({ client: "aiohttp", streams: 1, eventsPerSec: 75_000, ...oneCpu }),
  ], null);
  assert.equal(targets.length, 1);
  assert.deepEqual([targets[0].value, targets[0].pass], [15, true]);
  assert.match(targets[0].name, /ours one-cpu, Python scheduler: each client's better placement/);
  assert.deepEqual(openAiProblems([row({ ...oneCpu, failures: 1, firstError: "x" })], null), [
    "LLM ours at 2 streams on one CPU: 1 failed streams (first: x)",
  ]);
});

Deno.test("firstCpu: the first CPU of Cpus_allowed_list, whatever its shape", () => {
  const status = (list: string) => `Name:\tdeno\nCpus_allowed:\t3\nCpus_allowed_list:\t${list}\n`;
  assert.equal(firstCpu(status("0-1")), "0");
  assert.equal(firstCpu(status("2,5-7")), "2");
  assert.equal(firstCpu(status("13")), "13");
  assert.equal(firstCpu("Name:\tdeno\n"), "0");
});

Deno.test("openAiLines: titled table, one row per client and count, targets last", () => {
  const lines = openAiLines(
    [row({ streams: 1, ttftOverheadP50Us: 12.4, ttftOverheadP99Us: 80, ttftOverheadMaxUs: 900 })],
    null,
    [{ name: "x", requirement: "< 1", value: 2, unit: "µs", pass: false }],
  );
  assert.equal(lines[0], OPENAI_TITLE);
  assert.match(lines[1], /^client +streams +CPUs +streams\/s +events\/s +CPU µs\/event/);
  assert.match(lines[2], /^ours +1 +any +2 +102 +/);
  assert.match(lines[2], / 12 +80 +900 +- +- +80\.0 +0$/);
  assert.equal(lines[3], "  FAIL  x: 2 µs (< 1)");
});

Deno.test("openAiPlan: 1, 64, 256 and 1024 streams; the soak's length is a parameter", () => {
  assert.deepEqual(openAiPlan(false).streams, [1, 64, 256, 1024]);
  assert.equal(openAiPlan(false).soakS, 30);
  assert.equal(openAiPlan(true).soakS, 5);
  assert.equal(openAiPlan(false, 600).soakS, 600);
});

/** Pids of this process's live children (the bench must leave none behind). */
async function children(): Promise<number[]> {
  const pids: number[] = [];
  for await (const e of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const stat = await Deno.readTextFile(`/proc/${e.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === Deno.pid) pids.push(Number(e.name));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

Deno.test("the LLM section runs end to end with tiny counts: both clients, the soak, no leftovers", async () => {
  // Needs Debian's python3-aiohttp (.ci/run installs it); without it this fails, saying so.
  const plan: OpenAiBenchPlan = {
    streams: [1, 8],
    seconds: 0.5,
    warmupS: 0.3,
    soakS: 2,
    soakStreams: 4,
    transport: "raw",
    oneCpuStreams: [1],
  };
  const before = new Set(await children());
  const section = await runOpenAiSection(plan, () => {});
  assert.deepEqual(section.problems, []);
  assert.deepEqual(section.rows.map((r) => [r.client, r.streams, r.placement]), [
    ["ours", 1, "scheduler"],
    ["aiohttp", 1, "scheduler"],
    ["ours", 1, "one-cpu"],
    ["aiohttp", 1, "one-cpu"],
    ["ours", 8, "scheduler"],
    ["aiohttp", 8, "scheduler"],
  ]);
  // One-cpu rows really ran both processes on one CPU; the others where this process may run.
  const mine = await cpusAllowed(Deno.pid);
  for (const r of section.rows) {
    const want = r.placement === "one-cpu" ? oneCpu() : mine;
    assert.deepEqual([r.mockCpusAllowed, r.clientCpusAllowed], [want, want], r.placement);
  }
  for (const r of section.rows) {
    const what = `${r.client} at ${r.streams}`;
    assert.ok(r.completed > 0, what);
    // Both clients count exactly the events the mock wrote, and every stream had a token.
    assert.equal(r.eventsPerStream, EVENTS, what);
    assert.equal(r.mockEventsPerStream, EVENTS, what);
    assert.equal(r.matched, r.completed, what);
    // A token is never read before it was written, within how well the two processes' clocks
    // agree: each maps its monotonic clock to the epoch through performance.timeOrigin, good to
    // a fraction of a millisecond (seen: a read 66 µs "before" its write in CI).
    assert.ok(r.ttftOverheadMinUs > -500, `${what}: min overhead ${r.ttftOverheadMinUs} µs`);
    // The client's TTFT holds the mock's and the request's way there: never less.
    assert.ok(r.ttftExcessP50Us > 0 && r.ttftExcessP99Us >= r.ttftExcessP50Us, what);
    assert.ok(r.cpuUsPerEvent > 0 && r.peakRssMb > 0, what);
  }
  assert.match(section.rows[1].clientDetail, /^python 3\.\d+\.\d+ asyncio \+ aiohttp \d/);
  const s = section.soak!;
  assert.ok(s.completed > 0 && s.rssSeriesMb.length >= 2, JSON.stringify(s));
  assert.equal(section.targets.filter((t) => t.name.includes("events/s")).length, 2);
  assert.deepEqual((await children()).filter((pid) => !before.has(pid)), []);
});
