/** The openai kind's own flags, parsed by its descriptor. */

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
}
