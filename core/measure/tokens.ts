/**
 * Token metrics of a window, for backends whose responses carry tokens (capability
 * `units: "tokens"`). Each successful request is folded in when it completes, into HDR
 * histograms, so memory stays flat however long the run. The definitions are GenAI-Perf's and
 * are stated in --help and docs/perf_analyzer.md §7.1; this tool's additions (inter-chunk latency,
 * tokens per event) are kept apart from them in every report.
 */
import { LatencyHistogram } from "./histogram.ts";
import type { RequestRecord } from "./record.ts";
import { TOKEN_PERCENTILES } from "./results.ts";
import type { LatencyOrigin } from "./window.ts";
import { type GoodputJudge, type GoodputStats, goodputStats } from "./goodput.ts";
import { type Bin, BinnedMean } from "./binned.ts";

/**
 * Per-user throughput (tokens/s) is fractional; the histograms hold integers, so it is
 * recorded scaled by 1000 (three decimals kept; its mean is exact).
 */
const FRACTION_SCALE = 1000;

/** One distribution in display units (ms, tokens or tokens/s). */
export interface TokenStat {
  /** How many values went in (requests, or gaps/events for the pooled rows). */
  count: number;
  avg: number;
  min: number;
  max: number;
  /** Sample standard deviation; NaN below two values. */
  std: number;
  /** ALL_TOKEN_PERCENTILES (perf_analyzer's nearest-rank rule, HDR precision). */
  percentiles: Map<number, number>;
}

/** What a reported level shows in its LLM metrics table. */
export interface TokenStats {
  timeToFirstToken: TokenStat;
  timeToSecondToken: TokenStat;
  requestLatency: TokenStat;
  interTokenLatency: TokenStat;
  outputTokenThroughputPerUser: TokenStat;
  outputSequenceLength: TokenStat;
  inputSequenceLength: TokenStat;
  /** Extra: every gap between consecutive token-bearing events, pooled over requests. */
  interChunkLatency: TokenStat;
  /** Extra: tokens of each token-bearing event, pooled over requests. */
  tokensPerEvent: TokenStat;
  /** Σ output sequence length / window duration, tokens/s. */
  outputTokenThroughput: number;
  /** Successful requests / window duration, per s. */
  requestThroughput: number;
  /** Present when the run has goodput targets. */
  goodput?: GoodputStats;
  /**
   * Mean time to first token (ms) by input length (power-of-two bins of tokens); hand-built
   * stats may leave this and the next out.
   */
  ttftByInputLength?: Bin[];
  /**
   * Mean gap per token (ms) by the position of the event's first token in the output (bins as
   * above): each gap between token-bearing events divided by the tokens the later one carried.
   */
  tokenGapByPosition?: Bin[];
  /** Successful requests whose counts were events, not tokens (no usage, no tokenizer). */
  untokenizedCount: number;
  /** Where the output (and input) lengths came from, in requests. */
  sources: TokenSources;
  /** A client tokenizer's output counts against the server's usage, for requests with both. */
  mismatch: TokenMismatch;
  /**
   * Output lengths against the lengths the requests pinned (RequestRecord.expectedOutputUnits);
   * absent when no successful request pinned one.
   */
  expectedOutput?: ExpectedOutput;
}

export interface ExpectedOutput {
  /** Successful requests that pinned their output length. */
  requests: number;
  /** Those whose output length (as reported, see TokenSources) differs from the pinned one. */
  missed: number;
  /** Output tokens they asked for, and got. */
  expectedTokens: number;
  actualTokens: number;
}

/** Requests by the source of their output length; see RequestRecord.outputUnits. */
export interface TokenSources {
  /** Counted by a client-side tokenizer (the record's clientOutputUnits). */
  client: number;
  /** The name of that tokenizer ("" when no request had one). */
  counter: string;
  /** The server's own count (usage). */
  server: number;
  /** Summed over the events (no count from either side). */
  events: number;
}

export interface TokenMismatch {
  /** Requests with both counts. */
  requests: number;
  /** Output tokens over those requests, as the client counted them and as the server did. */
  clientTokens: number;
  serverTokens: number;
  /** Server − client of the request where they differ most (by size); 0 when they never do. */
  maxDifference: number;
  /** Requests where the two differ. */
  differing: number;
}

/**
 * Every percentile a stat carries: GenAI-Perf's JSON export (the profile subcommand) also has
 * the low tail p1, p5 and p10.
 */
export const ALL_TOKEN_PERCENTILES = [1, 5, 10, ...TOKEN_PERCENTILES] as const;

function statOf(h: LatencyHistogram, divisor: number): TokenStat {
  const percentiles = new Map<number, number>();
  // HDR answers with its bucket's upper edge; a percentile never lies outside the samples.
  const clamp = (v: number) => Math.min(Math.max(v, h.min), h.max);
  for (const p of ALL_TOKEN_PERCENTILES) percentiles.set(p, clamp(h.percentile(p)) / divisor);
  return {
    count: h.count,
    avg: h.mean / divisor,
    min: h.min / divisor,
    max: h.max / divisor,
    std: h.std / divisor,
    percentiles,
  };
}

function emptyMismatch(): TokenMismatch {
  return { requests: 0, clientTokens: 0, serverTokens: 0, maxDifference: 0, differing: 0 };
}

function emptyExpected(): ExpectedOutput {
  return { requests: 0, missed: 0, expectedTokens: 0, actualTokens: 0 };
}

export class TokenMetrics {
  /** Time to first token, ns. */
  readonly ttft = new LatencyHistogram();
  /** Time to second token (second token-bearing event − first), ns. */
  readonly ttst = new LatencyHistogram();
  /** Request latency to the last token-bearing event, ns. */
  readonly latency = new LatencyHistogram();
  /** (latency − TTFT) / (OSL − 1), ns; requests with OSL ≥ 2 in two events or more only. */
  readonly itl = new LatencyHistogram();
  /** 1 / ITL in tokens/s, scaled by {@link FRACTION_SCALE}. */
  readonly perUser = new LatencyHistogram();
  readonly osl = new LatencyHistogram();
  readonly isl = new LatencyHistogram();
  /** Gaps between consecutive token-bearing events, ns. */
  readonly icl = new LatencyHistogram();
  readonly tokensPerEvent = new LatencyHistogram();
  outputTokens = 0;
  /** Successful requests that met every goodput target (with a judge only). */
  good = 0;
  readonly ttftByInputLength = new BinnedMean();
  readonly tokenGapByPosition = new BinnedMean();
  untokenized = 0;
  readonly sources: TokenSources = { client: 0, counter: "", server: 0, events: 0 };
  readonly mismatch: TokenMismatch = emptyMismatch();
  readonly expectedOutput: ExpectedOutput = emptyExpected();

  constructor(private readonly origin: LatencyOrigin, private readonly judge?: GoodputJudge) {}

  get #all(): LatencyHistogram[] {
    return [
      this.ttft,
      this.ttst,
      this.latency,
      this.itl,
      this.perUser,
      this.osl,
      this.isl,
      this.icl,
      this.tokensPerEvent,
    ];
  }

  /** Folds one successful request in; failures never get here. */
  record(rec: RequestRecord): void {
    const osl = rec.outputUnits;
    this.outputTokens += osl;
    this.osl.record(osl);
    // A reply without a token (embeddings) has no TTFT: only a request-latency target can hold.
    if (rec.tokenEvents === 0 && this.judge?.good(NaN, NaN, NaN, rec.endNs - this.#startOf(rec))) {
      this.good++;
    }
    if (rec.inputUnits >= 0) this.isl.record(rec.inputUnits);
    if (!rec.unitsAreTokens) this.untokenized++;
    this.#source(rec);
    if (rec.expectedOutputUnits >= 0) {
      const e = this.expectedOutput;
      e.requests++;
      if (osl !== rec.expectedOutputUnits) e.missed++;
      e.expectedTokens += rec.expectedOutputUnits;
      e.actualTokens += osl;
    }
    if (rec.tokenEvents === 0) return;
    const start = this.#startOf(rec);
    const ttft = rec.firstTokenNs - start;
    const latency = rec.lastTokenNs - start;
    this.ttft.record(ttft);
    if (rec.inputUnits >= 0) this.ttftByInputLength.record(rec.inputUnits, ttft);
    this.latency.record(latency);
    const ttst = rec.tokenEvents >= 2 ? rec.secondTokenNs - rec.firstTokenNs : NaN;
    if (rec.tokenEvents >= 2) this.ttst.record(ttst);
    let itl = NaN;
    // One event holding every token (a non-streamed reply) says nothing about the gaps.
    if (osl >= 2 && rec.tokenEvents >= 2) {
      itl = (latency - ttft) / (osl - 1);
      this.itl.record(itl);
      if (itl > 0) this.perUser.record((1e9 / itl) * FRACTION_SCALE);
    }
    if (this.judge?.good(ttft, ttst, itl, latency)) this.good++;
    this.#foldEvents(rec);
  }

  /** Where the request's latencies start: its intended or its actual send. */
  #startOf(rec: RequestRecord): number {
    return this.origin === "intended" ? rec.intendedNs : rec.sendStartNs;
  }

  #source(rec: RequestRecord): void {
    const sources = this.sources;
    if (rec.clientOutputUnits < 0) {
      if (rec.reportedOutputUnits >= 0) sources.server++;
      else sources.events++;
      return;
    }
    sources.client++;
    sources.counter = rec.clientCounter;
    if (rec.reportedOutputUnits < 0) return;
    const m = this.mismatch;
    m.requests++;
    m.clientTokens += rec.clientOutputUnits;
    m.serverTokens += rec.reportedOutputUnits;
    const diff = rec.reportedOutputUnits - rec.clientOutputUnits;
    if (diff !== 0) m.differing++;
    if (Math.abs(diff) > Math.abs(m.maxDifference)) m.maxDifference = diff;
  }

  /** Pooled rows: each token-bearing event's tokens and its gap from the previous one. */
  #foldEvents(rec: RequestRecord): void {
    const times = rec.responseNs;
    const units = rec.responseUnits;
    let previous = -1;
    let position = 0;
    for (let i = 0; i < rec.responseCount; i++) {
      const u = units[i];
      if (u === 0) continue;
      this.tokensPerEvent.record(u);
      if (previous >= 0) {
        const gap = times[i] - times[previous];
        this.icl.record(gap);
        this.tokenGapByPosition.record(position, gap / u);
      }
      position += u;
      previous = i;
    }
  }

  add(other: TokenMetrics): void {
    const mine = this.#all;
    const theirs = other.#all;
    for (let i = 0; i < mine.length; i++) mine[i].add(theirs[i]);
    this.outputTokens += other.outputTokens;
    this.untokenized += other.untokenized;
    this.good += other.good;
    this.ttftByInputLength.add(other.ttftByInputLength);
    this.tokenGapByPosition.add(other.tokenGapByPosition);
    const s = this.sources;
    const o = other.sources;
    s.client += o.client;
    s.server += o.server;
    s.events += o.events;
    if (o.counter !== "") s.counter = o.counter;
    const m = this.mismatch;
    const om = other.mismatch;
    m.requests += om.requests;
    m.clientTokens += om.clientTokens;
    m.serverTokens += om.serverTokens;
    m.differing += om.differing;
    if (Math.abs(om.maxDifference) > Math.abs(m.maxDifference)) m.maxDifference = om.maxDifference;
    const e = this.expectedOutput;
    const oe = other.expectedOutput;
    e.requests += oe.requests;
    e.missed += oe.missed;
    e.expectedTokens += oe.expectedTokens;
    e.actualTokens += oe.actualTokens;
  }

  reset(): void {
    for (const h of this.#all) h.reset();
    this.outputTokens = 0;
    this.untokenized = 0;
    this.good = 0;
    this.ttftByInputLength.reset();
    this.tokenGapByPosition.reset();
    Object.assign(this.sources, { client: 0, counter: "", server: 0, events: 0 });
    Object.assign(this.mismatch, emptyMismatch());
    Object.assign(this.expectedOutput, emptyExpected());
  }

  /**
   * The level's numbers; `requestCount`, `errorCount` (failed requests, never good) and
   * `durationNs` are the window's.
   */
  stats(requestCount: number, durationNs: number, errorCount = 0): TokenStats {
    const perSecond = (n: number) => durationNs > 0 ? (n * 1e9) / durationNs : 0;
    return {
      ...(this.judge === undefined ? {} : {
        goodput: goodputStats(this.judge.targets, this.good, requestCount + errorCount, durationNs),
      }),
      ttftByInputLength: this.ttftByInputLength.bins(1e6),
      tokenGapByPosition: this.tokenGapByPosition.bins(1e6),
      timeToFirstToken: statOf(this.ttft, 1e6),
      timeToSecondToken: statOf(this.ttst, 1e6),
      requestLatency: statOf(this.latency, 1e6),
      interTokenLatency: statOf(this.itl, 1e6),
      outputTokenThroughputPerUser: statOf(this.perUser, FRACTION_SCALE),
      outputSequenceLength: statOf(this.osl, 1),
      inputSequenceLength: statOf(this.isl, 1),
      interChunkLatency: statOf(this.icl, 1e6),
      tokensPerEvent: statOf(this.tokensPerEvent, 1),
      outputTokenThroughput: perSecond(this.outputTokens),
      requestThroughput: perSecond(requestCount),
      untokenizedCount: this.untokenized,
      sources: { ...this.sources },
      mismatch: { ...this.mismatch },
      ...(this.expectedOutput.requests > 0 ? { expectedOutput: { ...this.expectedOutput } } : {}),
    };
  }

  destroy(): void {
    for (const h of this.#all) h.destroy();
  }
}
