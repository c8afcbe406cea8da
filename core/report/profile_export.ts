/**
 * --profile-export-file: perf_analyzer's per-request JSON (docs/perf_analyzer.md §3.3), written
 * compactly and INCREMENTALLY. Each finished request's timestamps are printed as digits straight
 * into one fixed buffer that is flushed to the file whenever it fills, so memory stays flat however
 * many requests a run makes (perf_analyzer keeps them all and grows to gigabytes).
 *
 * The flush is a synchronous write of at most BUFFER_BYTES into the page cache (~0.1 ms per
 * ~4000 requests): it keeps the file's bytes in order without a queue that could grow when the
 * disk is slow, at a cost far below the client's other per-request work.
 *
 * Timestamps are ns since the Unix epoch (~1.8e18, above 2^53), so they are printed from an
 * exact seconds + nanoseconds split, never through one float.
 *
 * A request whose channel kept its texts (record.exportTexts) also gets `request_inputs` and
 * `response_outputs`, copied from that channel's reused buffers as the record is written: the
 * export holds no text beyond the request being written.
 */
import { RunError } from "../errors.ts";
import type { RequestRecord } from "../measure/record.ts";
import { VERSION } from "../version.ts";

/** What the level measurer feeds; every call is cheap and synchronous. */
export interface RecordSink {
  levelStart(mode: "concurrency" | "request_rate", value: number, startNs: number): void;
  /** A request that ended inside an open window of the level. */
  record(r: RequestRecord): void;
  windowEnd(endNs: number): void;
  levelEnd(): void;
}

export interface ExportOptions {
  path: string;
  /** perf_analyzer's service_kind value: the --service-kind the run used. */
  serviceKind: string;
  /** perf_analyzer's endpoint value: the API path of the requests, "" for kinds without one. */
  endpoint?: string;
  /** Unix-epoch ms of monotonic 0 (performance.timeOrigin); injected by tests. */
  originEpochMs?: number;
}

const BUFFER_BYTES = 256 * 1024;
/**
 * Room kept free before each piece of a request is written (its fixed text, or one of its
 * response timestamps, of which a token stream has thousands): far more than any piece needs,
 * so a piece never overruns the buffer and a long stream is flushed part way through.
 */
const PIECE_MAX_BYTES = 4096;
const ZERO = 0x30;

const enc = new TextEncoder();
const TIMESTAMP = enc.encode('{"timestamp":');
const SEQUENCE_ID = enc.encode(',"sequence_id":');
const INPUTS = enc.encode(',"request_inputs":');
const RESPONSES = enc.encode(',"response_timestamps":[');
const OUTPUTS = enc.encode('],"response_outputs":[');
const CLOSE_RECORD = enc.encode("]}");

/** perf_analyzer writes the request rate as a double: 20 → 20.0. */
function jsonValue(mode: "concurrency" | "request_rate", value: number): string {
  if (mode === "concurrency") return String(Math.round(value));
  return Number.isInteger(value) ? `${value}.0` : String(value);
}

export class ProfileExport implements RecordSink {
  readonly #file: Deno.FsFile;
  readonly #buf = new Uint8Array(BUFFER_BYTES);
  #pos = 0;
  readonly #digits = new Uint8Array(20);
  /** The seconds part changes once a second: its digits are kept, not recomputed. */
  #secValue = -1;
  readonly #secDigits = new Uint8Array(20);
  #secLength = 0;
  readonly #baseSec: number;
  readonly #baseRemNs: number;
  #levels = 0;
  #requests = 0;
  #boundaries: number[] = [];
  #inLevel = false;
  #closed = false;
  /** Requests written, over the whole run (tests compare it with the report). */
  written = 0;

  /** Creates the file; perf_analyzer refuses to overwrite an existing export, so do we. */
  constructor(private readonly options: ExportOptions) {
    try {
      this.#file = Deno.openSync(options.path, { write: true, createNew: true });
    } catch (e) {
      const why = e instanceof Deno.errors.AlreadyExists
        ? "the file already exists; remove it or choose another path"
        : (e as Error).message;
      throw new RunError(`Cannot write --profile-export-file "${options.path}": ${why}.`);
    }
    const origin = options.originEpochMs ?? performance.timeOrigin;
    this.#baseSec = Math.floor(origin / 1000);
    this.#baseRemNs = Math.round((origin - this.#baseSec * 1000) * 1e6);
    this.#text('{"experiments":[');
  }

  levelStart(mode: "concurrency" | "request_rate", value: number, startNs: number): void {
    if (this.#levels++ > 0) this.#text(",");
    this.#text(`{"experiment":{"mode":"${mode}","value":${jsonValue(mode, value)}},"requests":[`);
    this.#requests = 0;
    this.#boundaries = [startNs];
    this.#inLevel = true;
  }

  record(r: RequestRecord): void {
    // Between levels the measurer may hold a window open that no level reports: not exported.
    if (!this.#inLevel || r.outcome !== "ok") return;
    this.#room();
    if (this.#requests++ > 0) this.#buf[this.#pos++] = 0x2c;
    this.#bytes(TIMESTAMP);
    this.#epoch(r.sendStartNs || r.intendedNs);
    if (r.sequenceId !== 0) {
      this.#bytes(SEQUENCE_ID);
      this.#uint(r.sequenceId);
    }
    const texts = r.exportTexts;
    if (texts !== null && texts.inputs.length > 0) {
      this.#bytes(INPUTS);
      this.#long(texts.inputs);
      this.#room();
    }
    this.#bytes(RESPONSES);
    const times = r.responseNs;
    for (let i = 0; i < r.responseCount; i++) {
      this.#room();
      if (i > 0) this.#buf[this.#pos++] = 0x2c;
      this.#epoch(times[i]);
    }
    if (texts !== null && texts.count > 0) {
      this.#room();
      this.#bytes(OUTPUTS);
      for (let i = 0; i < texts.count; i++) {
        if (i > 0) this.#buf[this.#pos++] = 0x2c;
        this.#string(texts.outputs[i]);
        this.#room();
      }
    }
    this.#bytes(CLOSE_RECORD);
    this.written++;
  }

  windowEnd(endNs: number): void {
    this.#boundaries.push(endNs);
  }

  levelEnd(): void {
    if (!this.#inLevel) return;
    this.#inLevel = false;
    this.#text('],"window_boundaries":[');
    this.#boundaries.forEach((ns, i) => {
      if (i > 0) this.#text(",");
      this.#epoch(ns);
    });
    this.#text("]}");
  }

  /** Ends the JSON and closes the file (also after a failed run, so the file stays valid). */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#text(
        `],"version":"${VERSION}","service_kind":${JSON.stringify(this.options.serviceKind)},` +
          `"endpoint":${JSON.stringify(this.options.endpoint ?? "")}}`,
      );
      this.#flush();
    } finally {
      this.#file.close();
    }
  }

  #flush(): void {
    let off = 0;
    while (off < this.#pos) off += this.#file.writeSync(this.#buf.subarray(off, this.#pos));
    this.#pos = 0;
  }

  /** Flushes first when the next piece might not fit. */
  #room(): void {
    if (this.#pos > BUFFER_BYTES - PIECE_MAX_BYTES) this.#flush();
  }

  #bytes(b: Uint8Array): void {
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Level-edge text (rare, may be long): goes through the buffer in bounded pieces. */
  #text(s: string): void {
    this.#long(enc.encode(s));
  }

  /** Bytes of any length, through the buffer in bounded pieces. */
  #long(b: Uint8Array): void {
    for (let off = 0; off < b.length; off += PIECE_MAX_BYTES) {
      this.#room();
      this.#bytes(b.subarray(off, off + PIECE_MAX_BYTES));
    }
  }

  /**
   * A string encoded straight into the buffer (no bytes allocated) when its UTF-8 surely fits,
   * at most 3 bytes per UTF-16 unit; a longer one (a whole non-streamed reply) goes in pieces.
   */
  #string(s: string): void {
    if (s.length * 3 > BUFFER_BYTES - this.#pos) this.#flush();
    if (s.length * 3 > BUFFER_BYTES) return this.#text(s);
    this.#pos += enc.encodeInto(s, this.#buf.subarray(this.#pos)).written;
  }

  /** A non-negative integer below 2^53, without a string. */
  #uint(n: number): void {
    let len = 0;
    do {
      const q = Math.floor(n / 10);
      this.#digits[len++] = ZERO + (n - q * 10);
      n = q;
    } while (n > 0);
    while (len > 0) this.#buf[this.#pos++] = this.#digits[--len];
  }

  /** Monotonic ns → exact epoch ns: seconds, then the nanoseconds padded to 9 digits. */
  #epoch(monoNs: number): void {
    const ns = this.#baseRemNs + Math.round(monoNs);
    const carry = Math.floor(ns / 1e9);
    let rem = ns - carry * 1e9;
    const sec = this.#baseSec + carry;
    // Before second 1 there is no seconds part: leading zeros would not be JSON.
    if (sec === 0) return this.#uint(rem);
    if (sec !== this.#secValue) {
      const at = this.#pos;
      this.#uint(sec);
      this.#secLength = this.#pos - at;
      this.#secDigits.set(this.#buf.subarray(at, this.#pos));
      this.#secValue = sec;
    } else {
      for (let i = 0; i < this.#secLength; i++) this.#buf[this.#pos++] = this.#secDigits[i];
    }
    for (let i = 8; i >= 0; i--) {
      const q = Math.floor(rem / 10);
      this.#buf[this.#pos + i] = ZERO + (rem - q * 10);
      rem = q;
    }
    this.#pos += 9;
  }
}
