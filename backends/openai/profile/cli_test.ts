/**
 * `profile` end to end, in-process, against the reference server's OpenAI mock in a Worker: the
 * reports' numbers against the mock's ground truth (what it received and when it wrote), goodput
 * and attainment exactly, and the SLO search's knee against the one the mock's slots and timing
 * imply.
 */
import assert from "node:assert/strict";
import { type CliRun, runCli, withServer, withTempDir } from "../../../tests/cli_harness.ts";
import type { OpenAiRequestTruth } from "../../../server/mod.ts";
import { CSV_FILE, INPUTS_FILE, JSON_FILE, PLOTS_FILE, SWEEP_FILE } from "./cli.ts";

/** One row of the GenAI-Perf table: avg, min, max, p99, p90, p75 (N/A as NaN). */
function row(stdout: string, label: string): number[] {
  const line = stdout.split("\n").find((l) => l.includes(` ${label} `));
  assert.ok(line, `row "${label}" not in:\n${stdout}`);
  return line.split("│").slice(2, 8).map((c) => Number(c.trim().replaceAll(",", "")));
}

/** `profile -m mock-llm <args> -u <mock> --artifact-dir <dir>`: every run here asks the mock. */
function profileMock(url: string, dir: string, args: string[]): Promise<CliRun> {
  return runCli(["profile", "-m", "mock-llm", ...args, "-u", url, "--artifact-dir", dir]);
}

const isToken = (k: string) => k === "content" || k === "reasoning";

/** Time to first token by the mock's clock: first token event written − request arrival, ms. */
function truthTtftMs(t: OpenAiRequestTruth): number {
  const first = t.events.find((e) => isToken(e.kind));
  assert.ok(first, `request ${t.index} wrote no token`);
  return (first.ns - t.arrivalNs) / 1e6;
}

Deno.test("profile: the README run's table, CSV and JSON agree with the mock's ground truth", async () => {
  await withServer({ openai: { ttftUs: 20000, itlUs: 1000 } }, async (server) => {
    await withTempDir("profile_", async (dir) => {
      const r = await profileMock(server.url, dir, [
        "--endpoint-type",
        "chat",
        "--streaming",
        "--synthetic-input-tokens-mean",
        "200",
        "--output-tokens-mean",
        "64",
        "--concurrency",
        "8",
        "--request-count",
        "32",
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /NVIDIA GenAI-Perf \| LLM Metrics/);
      const truth = await server.openaiTruth();
      assert.equal(truth.length, 32);
      // Every prompt the mock received was 200 tokens long (it counts words; the builtin
      // vocabulary's words are one token each) and every reply 64 tokens.
      assert.ok(truth.every((t) => t.promptTokens === 200), "prompt lengths");
      assert.ok(truth.every((t) => t.completionTokens === 64), "reply lengths");
      assert.deepEqual(row(r.stdout, "Input Sequence Length (tokens)"), [
        200,
        200,
        200,
        200,
        200,
        200,
      ]);
      assert.deepEqual(row(r.stdout, "Output Sequence Length (tokens)"), [64, 64, 64, 64, 64, 64]);
      assert.deepEqual(row(r.stdout, "Request Count (count)")[0], 32);
      const ttft = row(r.stdout, "Time To First Token (ms)");
      assert.ok(ttft[1] >= 20, `TTFT min ${ttft[1]}`);
      // ITL is (last token - first token) / 63 per request, by either clock.
      const itl = row(r.stdout, "Inter Token Latency (ms)");
      const truthItl = truth.map((t) => {
        const tokens = t.events.filter((e) => isToken(e.kind));
        return (tokens.at(-1)!.ns - tokens[0].ns) / 63 / 1e6;
      });
      const truthItlAvg = truthItl.reduce((a, b) => a + b, 0) / truth.length;
      // A read late by d moves a request's ITL by up to d / 63. The client's TTFT over the
      // mock's says how late its first reads were: on a busy machine tens of ms, not 1.
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const late = Math.max(0, ttft[0] - mean(truth.map(truthTtftMs)));
      assert.ok(
        Math.abs(itl[0] - truthItlAvg) < 0.05 + late / 63,
        `ITL ${itl[0]} vs ${truthItlAvg} (reads ${late} ms late)`,
      );
      // The artifact directory holds GenAI-Perf's three files.
      const inputs = JSON.parse(await Deno.readTextFile(`${dir}/${INPUTS_FILE}`));
      assert.equal(inputs.data.length, 100);
      assert.equal(inputs.data[0].payload[0].max_tokens, 64);
      const csv = await Deno.readTextFile(`${dir}/${CSV_FILE}`);
      assert.match(csv, /^Metric,avg,min,max,p99,p95,p90,p75,p50,p25\n/);
      assert.match(csv, /\nInput Sequence Length,200\.00,200\.00,/);
      assert.match(csv, /\nRequest Count \(count\),32\.00\n/);
      const json = JSON.parse(await Deno.readTextFile(`${dir}/${JSON_FILE}`));
      const truthTtft = truth.map(truthTtftMs).sort((a, b) => a - b);
      const truthP50 = truthTtft[Math.floor(truthTtft.length / 2)];
      // Per request the client's TTFT (send to read) holds the mock's (arrival to write), so its
      // median cannot be below the mock's; above, by the trips (a loaded machine stretches them).
      const p50 = json.time_to_first_token.p50;
      assert.ok(p50 >= truthP50 && p50 - truthP50 < 50, `TTFT p50 ${p50} vs ${truthP50}`);
      assert.equal(json.output_sequence_length.avg, 64);
      assert.equal(json.output_sequence_length.unit, "tokens");
      assert.equal(json.request_count.avg, 32);
      assert.equal(json.input_config.model[0], "mock-llm");
      assert.deepEqual(Object.keys(json.time_to_first_token), [
        "unit",
        "avg",
        "p1",
        "p5",
        "p10",
        "p25",
        "p50",
        "p75",
        "p90",
        "p95",
        "p99",
        "min",
        "max",
        "std",
      ]);
    });
  });
});

Deno.test("profile --goodput: good requests and attainment match the mock's truth; failures are never good", async () => {
  // One in four requests gets HTTP 500; the rest take 20 ms to the first token.
  const openai = { ttftUs: 20000, itlUs: 500, outputTokens: 8, faults: { "500": 0.25 }, seed: 5 };
  await withServer({ openai }, async (server) => {
    await withTempDir("profile_", async (dir) => {
      const run = async (goodput: string) => {
        const r = await profileMock(server.url, dir, [
          "--streaming",
          "--synthetic-input-tokens-mean",
          "10",
          "--concurrency",
          "2",
          "--request-count",
          "40",
          "--goodput",
          ...goodput.split(" "),
        ]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const truth = await server.openaiTruth(true);
        return { json: JSON.parse(await Deno.readTextFile(`${dir}/${JSON_FILE}`)), truth };
      };
      const loose = await run("time_to_first_token:5000 request_latency:10000");
      const ok = loose.truth.filter((t) => t.status === 200).length;
      const failed = loose.truth.length - ok;
      assert.ok(failed > 0 && ok > 0, `${failed} failed of ${loose.truth.length}`);
      const g = loose.json.goodput_attainment;
      assert.equal(g.good, ok);
      assert.equal(g.judged, ok + failed);
      assert.equal(g.avg, ok / (ok + failed));
      assert.equal(loose.json.errors.count, failed);
      // TTFT is at least the mock's 20 ms: a 19 ms target is met by no request.
      const strict = await run("time_to_first_token:19");
      assert.equal(strict.json.goodput_attainment.good, 0);
      assert.equal(strict.json.request_goodput.avg, 0);
    });
  });
});

Deno.test("profile --search: finds the highest request rate the mock's slots serve within the TTFT target", async () => {
  // 4 slots, each request 100 ms to the first token then 5 gaps of 10 ms: 150 ms in a slot, so
  // at most 4 / 0.15 = 26.7 requests/s are served without a queue. Below that TTFT is 100 ms;
  // above, the queue (and TTFT) grows every window, so a 160 ms TTFT target holds up to the knee
  // only. The knee is taken from the slot time the mock itself recorded (its writes run a little
  // late on a busy machine, which lowers the knee a little). The machine is shared: the
  // attainment asked is 80 %, so a few requests slowed by another process's load do not fail a
  // level below the knee.
  // A stall of the shared machine inside a level below the knee can still fail it, and the
  // search then stops low (once, 14.5/s against a 25/s knee). Up to three bounded attempts, each
  // with a fresh mock: a broken search misses the knee in every one.
  for (let attempt = 1;; attempt++) {
    const r = await searchTheMock();
    console.log(
      `search attempt ${attempt}: slot time ${(r.slotS * 1e3).toFixed(1)} ms (150 asked), knee ` +
        `${r.knee.toFixed(1)}/s, found ${r.found}/s`,
    );
    if (Math.abs(r.found - r.knee) <= SEARCH_STEP || attempt === 3) {
      assert.ok(r.slotS >= 0.15, `slot time ${r.slotS}`);
      assert.ok(
        Math.abs(r.found - r.knee) <= SEARCH_STEP,
        `found ${r.found}, knee ${r.knee}\n${r.stdout}`,
      );
      // The levels above the knee failed: their queue grew (saturated) or they missed the SLO.
      assert.match(r.sweep, /\n60,(saturated|slo_missed),/);
      assert.match(r.stdout, /NVIDIA GenAI-Perf \| Sweep/);
      return;
    }
  }
});

const SEARCH_SLOTS = 4;
const SEARCH_STEP = 4;

/** One `profile --search` over 4..60 requests/s against a 4-slot mock: what it found, the knee. */
async function searchTheMock() {
  let out = { found: NaN, knee: NaN, slotS: NaN, stdout: "", sweep: "" };
  await withServer(
    { openai: { ttftUs: 100000, itlUs: 10000, outputTokens: 6, slots: SEARCH_SLOTS } },
    async (server) => {
      await withTempDir("profile_", async (dir) => {
        const r = await profileMock(server.url, dir, [
          "--streaming",
          "--synthetic-input-tokens-mean",
          "10",
          "--request-rate",
          `4:60:${SEARCH_STEP}`,
          "--search",
          "--goodput",
          "time_to_first_token:160",
          "--slo-attainment",
          "0.8",
          "--measurement-interval",
          "800",
          // The first requests of a cold client and mock (connections, compilation) are slow.
          "--warmup-request-count",
          "8",
        ]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        const truth = await server.openaiTruth();
        const slotS = truth.reduce((a, t) => a + (t.endNs - t.startNs), 0) / truth.length / 1e9;
        out = {
          found: Number(r.stdout.match(/every goodput target: Request rate ([\d.]+)/)?.[1]),
          knee: SEARCH_SLOTS / slotS,
          slotS,
          stdout: r.stdout,
          sweep: await Deno.readTextFile(`${dir}/${SWEEP_FILE}`),
        };
      });
    },
  );
  return out;
}

Deno.test("profile --server-metrics-url: vLLM's gauges and histograms per level, as the mock's state and truth say", async () => {
  // 2 slots, 4 requests in flight: 2 running, up to 2 waiting, the "cache" full.
  await withServer(
    { openai: { ttftUs: 10000, itlUs: 1000, outputTokens: 16, slots: 2 } },
    async (server) => {
      await withTempDir("profile_", async (dir) => {
        const r = await profileMock(server.url, dir, [
          "--streaming",
          "--synthetic-input-tokens-mean",
          "20",
          "--concurrency",
          "4",
          "--request-count",
          "40",
          "--server-metrics-url",
          `${server.url}/metrics`,
          "--server-metrics-interval",
          "50",
        ]);
        assert.equal(r.code, 0, r.stderr + r.stdout);
        assert.match(r.stdout, /Server metrics of http:\/\/.*\/metrics/);
        const truth = await server.openaiTruth();
        const [m] = JSON.parse(await Deno.readTextFile(`${dir}/${JSON_FILE}`)).server_metrics;
        assert.equal(m.requests_running.max, 2);
        assert.ok(
          m.requests_waiting.max >= 1 && m.requests_waiting.max <= 2,
          `${m.requests_waiting.max}`,
        );
        assert.equal(m.kv_cache_usage.max, 1);
        // The histograms' differences across the level hold exactly its requests.
        assert.equal(m.time_to_first_token.count, truth.length);
        const ttft = truth.map(truthTtftMs).reduce((a, b) => a + b, 0) / truth.length;
        assert.ok(
          Math.abs(m.time_to_first_token.avg - ttft) < 1e-6,
          `${m.time_to_first_token.avg} vs ${ttft}`,
        );
        assert.equal(m.time_per_output_token.count, truth.length * 15);
      });
    },
  );
});

Deno.test("profile sweep over a list: one run and one row per value, each level's files, the plots", async () => {
  await withServer({ openai: { ttftUs: 5000, itlUs: 500, outputTokens: 8 } }, async (server) => {
    await withTempDir("profile_", async (dir) => {
      const r = await profileMock(server.url, dir, [
        "--streaming",
        "--synthetic-input-tokens-mean",
        "64",
        "--synthetic-input-tokens-stddev",
        "40",
        "--concurrency",
        "1,3",
        "--request-count",
        "12",
        "--generate-plots",
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const truth = await server.openaiTruth();
      assert.equal(truth.length, 24);
      const sweep = (await Deno.readTextFile(`${dir}/${SWEEP_FILE}`)).trim().split("\n");
      assert.deepEqual(sweep.map((l) => l.split(",").slice(0, 2)), [
        ["Concurrency", "Status"],
        ["1", "stable"],
        ["3", "stable"],
      ]);
      for (const level of ["concurrency1", "concurrency3"]) {
        const json = JSON.parse(await Deno.readTextFile(`${dir}/${level}/${JSON_FILE}`));
        assert.equal(json.request_count.avg, 12);
      }
      // Prompts of several lengths: TTFT against input length has several bins per level.
      const html = await Deno.readTextFile(`${dir}/${PLOTS_FILE}`);
      for (const chart of ["latency-throughput", "ttft-input-length", "token-gap-position"]) {
        assert.ok(html.includes(`data-chart="${chart}"`), chart);
      }
      const bins = html.match(/data-chart="ttft-input-length"[\s\S]*?data-points="(\d+)"/)?.[1];
      assert.ok(Number(bins) >= 2, `${bins} bins`);
      // Over time, one point per window: the median TTFT is at least the mock's 5 ms, and the
      // requests in flight (Little's law) are about the level's concurrency, 1 then 3.
      const points = (chart: string) => {
        const svg = html.slice(html.indexOf(`data-chart="${chart}"`));
        return [
          ...svg.slice(0, svg.indexOf("</svg>")).matchAll(/data-x="([\d.]+)" data-y="([\d.]+)"/g),
        ]
          .map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
      };
      const ttft = points("ttft-over-time");
      assert.ok(ttft.length >= 2 && ttft.every((p) => p.y >= 5), Deno.inspect(ttft));
      const inFlight = points("in-flight-over-time");
      assert.equal(inFlight.length, ttft.length);
      const [first, last] = [inFlight[0].y, inFlight.at(-1)!.y];
      assert.ok(first > 0.5 && first <= 1.2, Deno.inspect(inFlight));
      assert.ok(last > 1.5 && last <= 3.6, Deno.inspect(inFlight));
    });
  });
});

Deno.test("profile --endpoint-type embeddings: GenAI-Perf's Embeddings table from the engine's latency", async () => {
  await withServer({ openai: {} }, async (server) => {
    await withTempDir("profile_", async (dir) => {
      const r = await profileMock(server.url, dir, [
        "--endpoint-type",
        "embeddings",
        "--synthetic-input-tokens-mean",
        "16",
        "--request-count",
        "10",
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /NVIDIA GenAI-Perf \| Embeddings Metrics/);
      assert.equal(row(r.stdout, "Request Count (count)")[0], 10);
      const truth = await server.openaiTruth();
      assert.ok(truth.every((t) => t.endpoint === "embeddings" && t.promptTokens === 16));
      const json = JSON.parse(await Deno.readTextFile(`${dir}/${JSON_FILE}`));
      assert.ok(
        json.request_latency.avg > 0 && json.request_latency.min <= json.request_latency.max,
      );
      assert.equal(json.time_to_first_token, undefined);
    });
  });
});

Deno.test("profile --search: when no load meets the targets it says so and exits 4", async () => {
  // Every first token takes at least the mock's 20 ms; the target is 5 ms.
  await withServer({ openai: { ttftUs: 20000, outputTokens: 4 } }, async (server) => {
    await withTempDir("profile_", async (dir) => {
      const r = await profileMock(server.url, dir, [
        "--streaming",
        "--synthetic-input-tokens-mean",
        "8",
        "--request-rate",
        "5:10:5",
        "--search",
        "--goodput",
        "time_to_first_token:5",
        "--measurement-interval",
        "300",
      ]);
      assert.equal(r.code, 4, r.stderr + r.stdout);
      assert.match(r.stdout, /^No load in the range kept 95 % of the requests/m);
      assert.match(await Deno.readTextFile(`${dir}/${SWEEP_FILE}`), /\n5,slo_missed,/);
    });
  });
});

Deno.test("profile --output-tokens-mean-deterministic: a server that stops early is reported", async () => {
  // The mock stops every reply after 8 tokens, whatever min_tokens and ignore_eos pin.
  await withServer({ openai: { ttftUs: 1000, itlUs: 100, stopAfter: 8 } }, async (server) => {
    await withTempDir("profile_", async (dir) => {
      const r = await profileMock(server.url, dir, [
        "--streaming",
        "--synthetic-input-tokens-mean",
        "20",
        "--output-tokens-mean",
        "16",
        "--output-tokens-mean-deterministic",
        "--concurrency",
        "2",
        "--request-count",
        "10",
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const truth = await server.openaiTruth();
      assert.equal(truth.length, 10);
      assert.ok(truth.every((t) => t.completionTokens === 8), "the mock stopped each at 8");
      assert.match(
        r.stdout,
        /^Output lengths pinned \(min_tokens = max_tokens\) by 10 requests: 10 requests returned another length; asked 160 tokens, got 80$/m,
      );
    });
  });
});
