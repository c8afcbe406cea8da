/**
 * The "openai" service kind (-i http only): OpenAI-compatible LLM endpoints (vLLM, SGLang, TGI,
 * TensorRT-LLM, Triton's OpenAI frontend), streamed over Server-Sent Events with --streaming.
 * Units are output tokens, so the run reports the token metrics.
 */
import { BACKEND_CONTRACT_VERSION, type BackendDescriptor } from "../../core/backend.ts";
import { UsageError } from "../../core/errors.ts";
import { parseChoice } from "../../core/cli/values.ts";
import {
  OPENAI_ENDPOINTS,
  type OpenAiBackendOptions,
  RECEIVE_STAMPS,
  receiveConnector,
} from "./options.ts";

const descriptor: BackendDescriptor<OpenAiBackendOptions> = {
  contractVersion: BACKEND_CONTRACT_VERSION,
  kind: "openai",
  title: "OpenAI-compatible server",
  protocols: ["http"],
  // perf_analyzer's openai kind keeps its HTTP default (vLLM itself listens on 8000 too).
  defaultUrl: { http: "localhost:8000" },
  capabilities: {
    headers: true,
    streaming: ["http"],
    compression: false,
    requestTimeout: true,
    outputCapture: false,
    sessions: true,
    requestParameters: ["http"],
  },
  help: {
    protocols: "OpenAI-compatible API (vLLM, SGLang, TGI, TensorRT-LLM, ...)",
    serverStats: "no (client-side token metrics; counts from the server's usage by default)",
    modes: "--endpoint required; --streaming for SSE; body from --input-data " +
      '{"data": [{"payload": [{...}]}]} or a default prompt; --session-concurrency with ' +
      '"session_id" and "delay" per entry (chat or completions); ' +
      "--request-parameter sets a top-level field of every body (max_tokens:64:int, " +
      "ignore_eos:true:bool), replacing the payload's field of that name",
  },
  flags: [
    {
      long: "endpoint",
      value: "<path>",
      def: "",
      help: "The API path, one of " + OPENAI_ENDPOINTS.join(", ") + " (required).",
      apply(o, v) {
        o.endpoint = parseChoice("--endpoint", v.replace(/^\/+/, ""), OPENAI_ENDPOINTS);
      },
    },
    {
      long: "tokenizer",
      ours: true,
      value: "<server|builtin|path>",
      def: "server",
      help: "Where token counts come from: server (the reply's usage), builtin " +
        "(offline o200k_base BPE) or a local Hugging Face tokenizer.json. The run names the " +
        "source under the LLM table and, with a tokenizer, how its output counts differ from " +
        "the server's usage.",
      apply(o, v) {
        if (v === "") throw new UsageError("--tokenizer needs a value: server, builtin or a path");
        o.tokenizer = v;
      },
    },
    {
      long: "receive-timestamps",
      ours: true,
      value: "<auto|kernel|user>",
      def: "auto",
      help: "Who stamps when reply bytes arrived (TTFT, token times): kernel (the socket's " +
        "SO_TIMESTAMPNS receive time) or user (the client's clock when it gets to the read). " +
        "Kernel stamps are the truer ones: a busy client reads late, and user stamps would add " +
        "its own queue to every time. auto = kernel where it can be had (Linux x86_64/aarch64, " +
        "--allow-ffi, http://), else user; the run names the one used.",
      apply(o, v) {
        o.receiveTimestamps = parseChoice("--receive-timestamps", v, RECEIVE_STAMPS);
      },
    },
  ],
  defaults: () => ({
    endpoint: "",
    tokenizer: "server",
    payloadFromData: false,
    receiveTimestamps: "auto",
  }),
  validate(own, run) {
    if (own.endpoint === "") {
      throw new UsageError(
        "--service-kind openai needs --endpoint (" + OPENAI_ENDPOINTS.join(", ") + ")",
      );
    }
    own.payloadFromData = run.inputData === "files";
    // Refused before anything connects; a TLS target is refused when the URL is resolved.
    if (own.receiveTimestamps === "kernel") {
      receiveConnector("kernel", false);
    }
  },
  async create(options) {
    const { createOpenAiBackend } = await import("./mod.ts");
    return createOpenAiBackend(options);
  },
};

export default descriptor;
