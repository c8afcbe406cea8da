/**
 * --trace-level, --trace-rate, --trace-count, --log-frequency: the run's model gets these
 * trace settings through Triton's trace extension (docs/protocols.md §1.16) before any load,
 * and its settings from before are put back when the backend closes, whatever ended the run.
 * The HTTP and gRPC backends supply the two calls; settings travel in gRPC's form, every
 * value a list of strings (only trace_level has more than one).
 */
import { RunError } from "../../core/errors.ts";
import type { TraceRequest } from "./options.ts";

/** Settings by name, each value as a list of strings. */
export type TraceValues = Record<string, string[]>;

/** How a backend reads and updates one model's trace settings. */
export interface TraceTransport {
  /** The model's settings now (global ones it does not override included). */
  read(model: string): Promise<TraceValues>;
  /** Sets the named settings of the model; the others stay as they are. */
  write(model: string, values: TraceValues): Promise<void>;
}

const UPDATE_FAILED = "failed to update trace settings: ";

export class TraceSettings {
  readonly #wanted: TraceValues;
  #restore: (() => Promise<void>) | undefined;

  constructor(request: TraceRequest, private readonly transport: TraceTransport) {
    this.#wanted = Object.fromEntries(
      Object.entries(request).map(([key, value]) => [key, [value]]),
    );
  }

  /** Whether any trace flag was given. */
  get wanted(): boolean {
    return Object.keys(this.#wanted).length > 0;
  }

  /**
   * Reads the model's settings, then sets the wanted ones; once only. The restore is armed
   * before the update, so an update the server applied but whose reply was lost is undone too.
   */
  async apply(model: string): Promise<void> {
    if (!this.wanted || this.#restore !== undefined) return;
    const before = await this.#call(() => this.transport.read(model));
    const previous: TraceValues = {};
    for (const key of Object.keys(this.#wanted)) {
      // A server that did not report a setting cannot have it put back.
      if (before[key] !== undefined) previous[key] = before[key];
    }
    this.#restore = () => this.transport.write(model, previous);
    await this.#call(() => this.transport.write(model, this.#wanted));
  }

  /** Puts back what apply() changed (nothing when it never ran); throws RunError on failure. */
  async restore(): Promise<void> {
    const restore = this.#restore;
    this.#restore = undefined;
    if (restore === undefined) return;
    try {
      await restore();
    } catch (e) {
      throw new RunError(`failed to restore trace settings: ${(e as Error).message}`);
    }
  }

  async #call<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      throw new RunError(UPDATE_FAILED + (e as Error).message);
    }
  }
}
