/**
 * --session-concurrency (docs/perf_analyzer.md §2.10): multi-turn sessions from the input data,
 * N at a time. Each of N workers takes the next session not yet started, in file order, and
 * plays its turns one after another on its own channel: it sends a turn, waits for the whole
 * reply, sleeps the turn's "delay", then sends the next turn, which the backend's conversation
 * builds with the history so far. The run is one level that ends when every session is played.
 *
 * A failed turn ends its session: its later turns would carry a history the server never
 * produced. They are not sent, and the run says how many were skipped.
 */
import type { Channel, Connector, Conversation, PreparedRequest } from "../backend.ts";
import type { Clock } from "../clock.ts";
import type { Range } from "../cli/config.ts";
import type { RequestSource } from "../data/request_source.ts";
import { RequestRecord } from "../measure/record.ts";
import type { RecordSink } from "../report/profile_export.ts";
import { type DispatchSink, type LoadDriver, RequestCycle } from "./dispatcher.ts";
import type { LoadPlan } from "./plan.ts";

/** One turn's bookkeeping; its request comes from the session's conversation. */
export interface SessionTurn {
  /** Ms to wait after this turn's reply before the next turn is sent. */
  delayMs: number;
  /** Where it came from, e.g. `session "a" turn 1 (data entry 3)`. */
  label: string;
}

export interface PlannedSession {
  id: string;
  conversation: Conversation;
  turns: readonly SessionTurn[];
}

/** Where a context (worker) is: which session, which turn. */
interface Playing {
  session: PlannedSession;
  turn: number;
}

/**
 * Hands each context the turns of the session it plays. Sessions start in file order, each
 * once; a context asks for the next one when its session is over.
 */
export class SessionSource implements RequestSource {
  #started = 0;
  readonly #playing: Playing[] = [];
  /** Turns never sent because an earlier turn of their session failed. */
  skipped = 0;

  constructor(readonly sessions: readonly PlannedSession[]) {}

  /** Every turn of every session: the requests the run sends. */
  get turns(): number {
    return this.sessions.reduce((n, s) => n + s.turns.length, 0);
  }

  /** Starts the next session not yet started on `context`; false when all have been. */
  start(context: number): boolean {
    const session = this.sessions[this.#started];
    if (session === undefined) return false;
    this.#started++;
    this.#playing[context] = { session, turn: 0 };
    return true;
  }

  next(context: number, record: RequestRecord): PreparedRequest {
    const at = this.#playing[context];
    record.dataLabel = at.session.turns[at.turn].label;
    return at.session.conversation.turn(at.turn);
  }

  /**
   * The turn `context` sent is over: the ms to wait before its next turn, or -1 when the
   * session is over (its last turn done, or this one failed and ends it).
   */
  advance(context: number, ok: boolean): number {
    const at = this.#playing[context];
    const turns = at.session.turns;
    const delayMs = turns[at.turn].delayMs;
    at.turn++;
    if (at.turn === turns.length) return -1;
    if (!ok) {
      this.skipped += turns.length - at.turn;
      return -1;
    }
    return delayMs;
  }
}

interface Worker {
  index: number;
  channel: Channel;
  record: RequestRecord;
  loop: Promise<void>;
}

/** N workers, each playing whole sessions until none is left. */
export class SessionDriver implements LoadDriver {
  #workers: Worker[] = [];
  #remaining = Infinity;
  readonly #stop = new AbortController();
  /** Aborted by stop() or by the run's signal (Ctrl-C): no turn starts after it. */
  readonly #stopped: AbortSignal;
  readonly #cycle: RequestCycle;

  constructor(
    private readonly backend: Connector,
    private readonly source: SessionSource,
    private readonly clock: Clock,
    sink: DispatchSink,
    /**
     * The run's Ctrl-C: the one window of a session run lasts until every session is done, so
     * the workers stop here (ending the window with what was measured), not only at stop().
     */
    signal?: AbortSignal,
  ) {
    this.#cycle = new RequestCycle(source, clock, sink);
    this.#stopped = signal ? AbortSignal.any([this.#stop.signal, signal]) : this.#stop.signal;
  }

  /** Starts `n` workers; the one level of the run, so later calls add none. */
  async setLevel(n: number): Promise<void> {
    while (this.#workers.length < n && !this.#stopped.aborted) {
      const worker: Worker = {
        index: this.#workers.length,
        channel: await this.backend.connect(),
        record: new RequestRecord(),
        loop: Promise.resolve(),
      };
      this.#workers.push(worker);
      worker.loop = this.#run(worker);
    }
  }

  limit(count: number): void {
    this.#remaining = count;
  }

  /** Resolves once every session is played (or the run stopped). */
  async drain(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.loop));
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.drain();
    for (const w of this.#workers) w.channel.close();
    this.#workers = [];
  }

  async #run(w: Worker): Promise<void> {
    const stop = this.#stopped;
    while (!stop.aborted && this.source.start(w.index)) {
      for (;;) {
        if (stop.aborted || this.#remaining <= 0) break;
        this.#remaining--;
        // A turn is meant to go out the moment the one before it (and its delay) is over.
        const prepared = this.#cycle.begin(w.index, w.record, this.clock.nowNs());
        try {
          await w.channel.send(prepared, w.record);
        } catch (e) {
          this.#cycle.rejected(w.record, e);
        }
        this.#cycle.end(w.record);
        const delayMs = this.source.advance(w.index, w.record.outcome === "ok");
        if (delayMs < 0) break;
        if (delayMs > 0) await this.clock.sleep(delayMs, stop);
      }
    }
  }
}

/** The one level of a session run: `concurrency` workers over every session of `source`. */
export function sessionPlan(
  concurrency: number,
  backend: Connector,
  source: SessionSource,
  clock: Clock,
  sink: DispatchSink,
  signal?: AbortSignal,
): LoadPlan {
  const range: Range = { start: concurrency, end: concurrency, step: 1 };
  return {
    mode: "concurrency",
    range,
    integral: true,
    driver: new SessionDriver(backend, source, clock, sink, signal),
    spinNs: () => 0,
  };
}

/**
 * perf_analyzer names a session run's experiment in the profile export as a request rate of 0
 * (docs/perf_analyzer.md §3.3), whatever the console calls the level.
 */
export function sessionExperiment(sink: RecordSink): RecordSink {
  return {
    levelStart: (_mode, _value, startNs) => sink.levelStart("request_rate", 0, startNs),
    record: (r) => sink.record(r),
    windowEnd: (ns) => sink.windowEnd(ns),
    levelEnd: () => sink.levelEnd(),
  };
}
