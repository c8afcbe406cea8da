/**
 * What an HTTP/1.1 backend (Triton HTTP, TorchServe, TF Serving REST) holds against its
 * server: the control connection, and every inference channel it opened, so closing the
 * backend closes them all.
 */
import type { BackendOptions } from "../../core/backend.ts";
import type { Clock } from "../../core/clock.ts";
import { ControlClient } from "./control_client.ts";
import type { PortHints } from "./control_errors.ts";
import { controlTimeoutMs } from "./control_timeout.ts";
import { HttpChannel, type HttpReplies, type PreparedHttp } from "./http_channel.ts";
import type { ServerTarget } from "./http_url.ts";

export class HttpLinks {
  readonly control: ControlClient;
  readonly #channels = new Set<{ close(): void }>();
  /** Per-request timeout in ms (--request-timeout); 0 waits for ever. */
  readonly #timeoutMs: number;

  constructor(
    private readonly target: ServerTarget,
    /** `controlTimeoutMs` overrides the control calls' bound (tests use a short one). */
    options: Pick<BackendOptions, "headers" | "requestTimeoutMs"> & { controlTimeoutMs?: number },
    private readonly clock: Clock,
    /** The service kind's advice for a -u that reaches nothing or a gRPC port. */
    hints: PortHints = {},
  ) {
    this.#timeoutMs = options.requestTimeoutMs ?? 0;
    const controlMs = options.controlTimeoutMs ?? controlTimeoutMs(this.#timeoutMs);
    this.control = new ControlClient(target, options.headers, clock, hints, controlMs);
  }

  /** A new inference channel that reads replies by the kind's rules. */
  channel<P extends PreparedHttp>(replies: HttpReplies<P>): HttpChannel<P> {
    const forget = (c: HttpChannel<P>) => this.#channels.delete(c);
    const ch = new HttpChannel(this.target, replies, this.clock, forget, this.#timeoutMs);
    this.#channels.add(ch);
    return ch;
  }

  /** Closes the inference channels (the control connection stays for last calls). */
  closeChannels(): void {
    for (const ch of [...this.#channels]) ch.close();
  }

  /** Closes the inference channels and the control connection. */
  close(): void {
    this.closeChannels();
    this.control.close();
  }
}
