/**
 * The openai backend's options as the tests against the mock use them: the chat endpoint,
 * streaming, token counts from the server's usage, request bodies from --input-data. A test
 * names only what it changes.
 */
import type { BackendOptions } from "../../../core/backend.ts";
import type { OpenAiBackendOptions } from "../options.ts";

export function openAiTestOptions(
  url: string,
  own: Partial<OpenAiBackendOptions> = {},
  extra: Partial<BackendOptions<OpenAiBackendOptions>> = {},
): BackendOptions<OpenAiBackendOptions> {
  return {
    url,
    protocol: "http",
    headers: [],
    verbose: false,
    streaming: true,
    own: { endpoint: "v1/chat/completions", tokenizer: "server", payloadFromData: true, ...own },
    ...extra,
  };
}
