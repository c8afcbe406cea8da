/**
 * --session-concurrency end to end: the CLI (in-process) plays multi-turn sessions against the
 * reference server's OpenAI mock, whose ground truth records every request's messages (or
 * prompt), the reply content it wrote, and when the request arrived and ended. From it: at most
 * N sessions overlap and every turn is sent, each turn carries exactly the history (earlier turns
 * and the replies the mock gave), each delay separates a reply from the next turn, and a failed
 * turn ends its session.
 */
import assert from "node:assert/strict";
import { runCli, withServer, withTempDir } from "./cli_harness.ts";
import type { OpenAiOptions, OpenAiRequestTruth } from "../server/mod.ts";
import type { ReferenceServerRemote } from "../server/worker_client.ts";

const KIND = ["--service-kind", "openai", "-m", "mock-llm"];
const CHAT = [...KIND, "--endpoint", "v1/chat/completions"];

interface Turn {
  session: string;
  /** The turn's own text: its user message (chat) or prompt (completions). */
  text: string;
  delayMs?: number;
}

/** A data file of `turns` in the given (file) order. */
function dataFile(dir: string, turns: Turn[], chat: boolean): string {
  const data = turns.map((t) => ({
    payload: [
      chat
        ? { messages: [{ role: "user", content: t.text }], max_tokens: 5 }
        : { prompt: t.text, max_tokens: 5 },
    ],
    session_id: [t.session],
    ...(t.delayMs === undefined ? {} : { delay: [t.delayMs] }),
  }));
  const path = `${dir}/sessions.json`;
  Deno.writeTextFileSync(path, JSON.stringify({ data }));
  return path;
}

/** Five sessions of 1..3 turns, interleaved in the file; each text names its session. */
const TURNS: Turn[] = [
  { session: "a", text: "a zero one", delayMs: 40 },
  { session: "b", text: "b zero one two" },
  { session: "a", text: "a one three", delayMs: 25 },
  { session: "c", text: "c zero", delayMs: 30 },
  { session: "b", text: "b one" },
  { session: "d", text: "d zero four five" },
  { session: "a", text: "a two" },
  { session: "c", text: "c one six" },
  { session: "e", text: "e zero", delayMs: 10 },
  { session: "e", text: "e one seven" },
];
const SESSIONS = ["a", "b", "c", "d", "e"];

/** Which session a request belongs to: the first word of its first message or its prompt. */
function sessionOf(t: OpenAiRequestTruth): string {
  const first = t.endpoint === "chat" ? t.messages[0].content : t.prompt;
  return first.split(" ")[0];
}

/** The mock's requests per session, in arrival order. */
function bySession(truth: OpenAiRequestTruth[]): Map<string, OpenAiRequestTruth[]> {
  const out = new Map<string, OpenAiRequestTruth[]>();
  for (const t of [...truth].sort((x, y) => x.arrivalNs - y.arrivalNs)) {
    const s = sessionOf(t);
    out.set(s, [...(out.get(s) ?? []), t]);
  }
  return out;
}

/** Most sessions live at once, a session lasting from its first arrival to its last end. */
function maxOverlap(sessions: Map<string, OpenAiRequestTruth[]>): number {
  const edges: [number, number][] = [];
  for (const reqs of sessions.values()) {
    edges.push([reqs[0].arrivalNs, 1], [Math.max(...reqs.map((r) => r.endNs)), -1]);
  }
  // An end and a start at one instant: the end first, so back-to-back sessions do not overlap.
  edges.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let live = 0;
  let most = 0;
  for (const [, d] of edges) most = Math.max(most, live += d);
  return most;
}

async function withMock(
  openai: OpenAiOptions,
  fn: (server: ReferenceServerRemote, dir: string) => Promise<void>,
): Promise<void> {
  await withServer(
    { openai },
    (server) => withTempDir("openai_session_", (dir) => fn(server, dir)),
  );
}

Deno.test("chat sessions: N at a time, every turn with exactly its history, delays kept", async () => {
  // Reasoning tokens come first; a history carries only the reply's content.
  await withMock(
    { ttftUs: 8000, itlUs: 1000, seed: 3, reasoningTokens: 2 },
    async (server, dir) => {
      const file = `${dir}/export.json`;
      const r = await runCli([
        ...CHAT,
        "-u",
        server.url,
        "--streaming",
        "--input-data",
        dataFile(dir, TURNS, true),
        "--session-concurrency",
        "2",
        "--profile-export-file",
        file,
        "--report-json",
        `${dir}/summary.json`,
      ]);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const truth = await server.openaiTruth();
      assert.equal(truth.length, TURNS.length, "every turn sent once");
      assert.ok(truth.every((t) => t.status === 200 && t.content !== ""));
      const sessions = bySession(truth);
      assert.deepEqual([...sessions.keys()].sort(), SESSIONS);
      assert.equal(maxOverlap(sessions), 2, "two sessions at a time, never more");

      for (const id of SESSIONS) {
        const turns = TURNS.filter((t) => t.session === id);
        const reqs = sessions.get(id)!;
        assert.equal(reqs.length, turns.length, `session ${id}: every turn`);
        // Turn k carries turns 0..k-1 each followed by the reply the mock wrote for it, then k.
        const history: { role: string; content: string }[] = [];
        reqs.forEach((req, k) => {
          history.push({ role: "user", content: turns[k].text });
          assert.deepEqual(req.messages, history, `session ${id} turn ${k}`);
          history.push({ role: "assistant", content: req.content });
          if (k + 1 < reqs.length) {
            // The next turn leaves only after this reply has ended and the delay has passed.
            const gapMs = (reqs[k + 1].arrivalNs - req.endNs) / 1e6;
            const delay = turns[k].delayMs ?? 0;
            assert.ok(gapMs >= delay - 0.5, `session ${id} turn ${k}: gap ${gapMs} ms < ${delay}`);
            // Only a turn held for something else is caught here: a loaded machine once took
            // more than 200 ms beyond a delay, so the bound is seconds, not a timing claim.
            assert.ok(gapMs < delay + 2000, `session ${id} turn ${k}: gap ${gapMs} ms`);
          }
        });
      }

      // One level: the console report and the LLM table over every turn.
      assert.match(r.stdout, /Sending 10 benchmark requests/);
      assert.match(r.stdout, /Request concurrency: 2\n/);
      assert.match(r.stdout, /Request count: 10\n/);
      assert.match(r.stdout, /Time To First Token \(ms\)/);
      assert.match(r.stdout, /Concurrency: 2, throughput: /);
      assert.match(r.stderr, /Playing 5 sessions \(10 turns\) from the input data, 2 at a time/);
      const summary = JSON.parse(await Deno.readTextFile(`${dir}/summary.json`));
      assert.equal(summary.settings.loadMode, "session_concurrency");
      assert.equal(summary.settings.sessionConcurrency, 2);
      assert.equal(summary.settings.requestCount, TURNS.length);
      assert.deepEqual(
        summary.levels.map((l: { mode: string; value: number; requestCount: number }) => [
          l.mode,
          l.value,
          l.requestCount,
        ]),
        [["concurrency", 2, TURNS.length]],
      );
      // perf_analyzer's profile export names a session run a request rate of 0.
      const text = await Deno.readTextFile(file);
      assert.ok(text.includes('{"experiment":{"mode":"request_rate","value":0.0}'), text);
      const doc = JSON.parse(text) as {
        experiments: { requests: { request_inputs: Record<string, unknown> }[] }[];
      };
      assert.equal(doc.experiments.length, 1);
      const requests = doc.experiments[0].requests;
      assert.equal(requests.length, TURNS.length);
      // Each turn's inputs: its payload as sent, its session_id and its delay when it had one.
      const exported = requests.map((r) => {
        const { session_id, delay, payload } = r.request_inputs;
        const body = JSON.parse(payload as string) as { messages: { content: string }[] };
        return [session_id, delay, body.messages.at(-1)!.content];
      }).sort((x, y) => String(x[2]).localeCompare(String(y[2])));
      const expected = TURNS.map((t) => [t.session, t.delayMs, t.text])
        .sort((x, y) => String(x[2]).localeCompare(String(y[2])));
      assert.deepEqual(exported, expected);
    },
  );
});

Deno.test("completions sessions, one at a time, not streamed: each prompt carries the text so far", async () => {
  await withMock({ ttftUs: 2000, seed: 5 }, async (server, dir) => {
    const r = await runCli([
      ...KIND,
      "--endpoint",
      "v1/completions",
      "-u",
      server.url,
      "--input-data",
      dataFile(dir, TURNS, false),
      "--session-concurrency",
      "1",
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const truth = await server.openaiTruth();
    assert.equal(truth.length, TURNS.length);
    const sessions = bySession(truth);
    assert.equal(maxOverlap(sessions), 1);
    // One worker takes the sessions in the order they first appear in the file.
    const starts = [...sessions].sort((x, y) => x[1][0].arrivalNs - y[1][0].arrivalNs);
    assert.deepEqual(starts.map(([id]) => id), SESSIONS);
    for (const id of SESSIONS) {
      const turns = TURNS.filter((t) => t.session === id);
      let so = "";
      sessions.get(id)!.forEach((req, k) => {
        so += turns[k].text;
        assert.equal(req.prompt, so, `session ${id} turn ${k}`);
        so += req.content;
      });
    }
  });
});

Deno.test("a failed turn ends its session: later turns are not sent, and the run says so", async () => {
  // Seeded faults by arrival index; one session at a time keeps that order fixed.
  await withMock({ seed: 11, faults: { "500": 0.3 } }, async (server, dir) => {
    const r = await runCli([
      ...CHAT,
      "-u",
      server.url,
      "--input-data",
      dataFile(dir, TURNS, true),
      "--session-concurrency",
      "1",
    ]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const truth = await server.openaiTruth();
    let failedTurns = 0;
    let skipped = 0;
    for (const [id, reqs] of bySession(truth)) {
      const failedAt = reqs.findIndex((t) => t.status !== 200);
      const planned = TURNS.filter((t) => t.session === id).length;
      if (failedAt < 0) {
        assert.equal(reqs.length, planned, `session ${id}: complete`);
        continue;
      }
      failedTurns++;
      assert.equal(reqs.length, failedAt + 1, `session ${id}: nothing after the failure`);
      skipped += planned - reqs.length;
    }
    assert.ok(failedTurns > 0 && skipped > 0, `seed 11 fails a turn before a session's end`);
    assert.match(r.stdout, new RegExp(`Failed requests: ${failedTurns} `));
    assert.match(r.stderr, new RegExp(`\\b${skipped} session turns were not sent`));
  });
});

Deno.test("session errors: too few sessions, entries without or with session ids, bad combinations", async () => {
  await withMock({}, async (server, dir) => {
    const file = dataFile(dir, TURNS, true);
    const run = (...args: string[]) => runCli([...CHAT, "-u", server.url, ...args]);

    let r = await run("--input-data", file, "--session-concurrency", "6");
    assert.equal(r.code, 99);
    assert.match(
      r.stderr,
      /--session-concurrency 6 needs at least 6 sessions, but the input data has 5/,
    );

    // Session entries outside session mode, and entries without an id inside it.
    r = await run("--input-data", file, "--concurrency-range", "2");
    assert.equal(r.code, 99);
    assert.match(r.stderr, /data entry 0 has a "session_id" or "delay".*--session-concurrency/);
    const plain = `${dir}/plain.json`;
    Deno.writeTextFileSync(
      plain,
      JSON.stringify({ data: [{ payload: [{ messages: [{ role: "user", content: "x" }] }] }] }),
    );
    r = await run("--input-data", plain, "--session-concurrency", "1");
    assert.equal(r.code, 99);
    assert.match(r.stderr, /data entry 0 has no "session_id"/);

    r = await runCli([
      ...KIND,
      "--endpoint",
      "v1/embeddings",
      "-u",
      server.url,
      "--input-data",
      file,
      "--session-concurrency",
      "1",
    ]);
    assert.equal(r.code, 99);
    assert.match(r.stderr, /needs --endpoint v1\/chat\/completions or v1\/completions/);

    assert.equal((await server.openaiTruth()).length, 0, "no request was sent");
  });
});

Deno.test("session usage errors: other load modes, other kinds, flags of sweeps", async () => {
  const usage = async (args: string[], message: RegExp) => {
    const r = await runCli(args);
    assert.equal(r.code, 99, r.stderr);
    assert.match(r.stderr, message);
  };
  const base = [...CHAT, "--input-data", "x.json", "--session-concurrency", "2"];
  await usage([...base, "-c", "4"], /Cannot use both SessionConcurrency and Concurrency/);
  await usage(
    [...base, "--concurrency-range", "1:4"],
    /Cannot use both SessionConcurrency and Concurrency/,
  );
  await usage(
    [...base, "--request-rate-range", "10"],
    /Cannot use both SessionConcurrency and RequestRate/,
  );
  await usage(
    [...base, "--fixed-schedule"],
    /Cannot use both SessionConcurrency and FixedSchedule/,
  );
  await usage([...base, "--request-count", "5"], /--request-count does not apply to --session/);
  await usage(
    [...base, "--warmup-request-count", "1"],
    /--warmup-request-count does not apply to --session/,
  );
  await usage([...base, "--pacing", "timer"], /--pacing does not apply to --session-concurrency/);
  await usage(
    [...CHAT, "--session-concurrency", "2"],
    /--session-concurrency plays the entries of --input-data JSON files/,
  );
  await usage(
    ["-m", "simple", "--input-data", "x.json", "--session-concurrency", "1"],
    /--session-concurrency is not supported with --service-kind triton/,
  );
  await usage([...base.slice(0, -1), "0"], /--session-concurrency.*must be > 0/);
});
