/** The openai kind's own flags, parsed by its descriptor. */
import { UsageError } from "../../core/errors.ts";
import type { Connector } from "../../wire/net/byte_stream.ts";
import { connectKernelTcp, kernelStampsUnavailable } from "../../wire/net/kernel_tcp.ts";

/** The endpoints the kind speaks (docs/protocols.md §7.1), as --endpoint names them. */
export const OPENAI_ENDPOINTS = ["v1/chat/completions", "v1/completions", "v1/embeddings"] as const;
export type OpenAiEndpointPath = (typeof OPENAI_ENDPOINTS)[number];

export interface OpenAiBackendOptions {
  /** --endpoint; "" until given (it is required). */
  endpoint: OpenAiEndpointPath | "";
  /** --tokenizer: "server" (usage), "builtin", or a tokenizer.json path. */
  tokenizer: string;
  /**
   * Set from the command line by the descriptor's validate(): true when --input-data gave the
   * request bodies (the "payload" input); false sends the kind's default prompt.
   */
  payloadFromData: boolean;
  /** --receive-timestamps; absent means "auto". */
  receiveTimestamps?: ReceiveStamps;
}

/** Who stamps the time a reply's bytes arrived: --receive-timestamps. */
export const RECEIVE_STAMPS = ["auto", "kernel", "user"] as const;
export type ReceiveStamps = (typeof RECEIVE_STAMPS)[number];

/**
 * The connector --receive-timestamps asks for: kernel-stamped sockets (wire/net/kernel_tcp.ts),
 * or undefined for Deno's own, stamped by the clock when each read's continuation runs. "auto"
 * takes the kernel's where this process can have them; "kernel" where it cannot is a usage
 * error saying why. `unavailable` says why not ("" when it can), injectable for tests.
 */
export function receiveConnector(
  mode: ReceiveStamps,
  https: boolean,
  unavailable: () => string = kernelStampsUnavailable,
): Connector | undefined {
  if (mode === "user") return undefined;
  const why = https ? "TLS (https://) runs on Deno's own sockets" : unavailable();
  if (why === "") return connectKernelTcp;
  if (mode === "kernel") {
    throw new UsageError(`--receive-timestamps kernel is unavailable here: ${why}`);
  }
  return undefined;
}
