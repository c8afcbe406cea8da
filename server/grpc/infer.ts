/**
 * ModelInfer (unary) and ModelStreamInfer (bidirectional) on the shared executors: the same
 * queue, validation and statistics as HTTP /infer (docs/protocols.md §2.3).
 */
import { executeDecoupled } from "../models/executor_decoupled.ts";
import { resolveModel, type UnaryFn } from "./handlers.ts";
import type { ProtoInferRequest, ProtoInferResponse, ProtoStreamResponse } from "./proto.ts";
import type { BidiCall } from "./transport.ts";
import { type GrpcInferRequest, parseGrpcInferRequest } from "./request.ts";
import {
  emptyFinalResponse,
  finalStreamResponse,
  streamError,
  streamResponse,
  toGrpcError,
  unaryResponse,
} from "./response.ts";
import { ApiError } from "../kserve/http_error.ts";
import type { ModelEntry, ServerContext } from "../kserve/routes.ts";
import { nowNs } from "../models/stats.ts";

/** Triton's refusal of a decoupled model on the unary RPC (UNSUPPORTED: UNIMPLEMENTED). */
export const DECOUPLED_OVER_UNARY =
  "ModelInfer RPC doesn't support models with decoupled transaction policy";

/** Converts and validates; a refused request counts as a failure, as over HTTP. */
function parse(
  ctx: ServerContext,
  entry: ModelEntry,
  msg: ProtoInferRequest,
  arrivalNs: number,
): GrpcInferRequest {
  let parsed: GrpcInferRequest;
  try {
    parsed = parseGrpcInferRequest(entry.spec, msg, ctx.shm);
  } catch (e) {
    entry.executor.recordFailure(arrivalNs);
    throw e;
  }
  ctx.parameters.record(entry.spec.name, parsed.custom);
  return parsed;
}

async function modelInfer(ctx: ServerContext, msg: ProtoInferRequest): Promise<ProtoInferResponse> {
  const arrivalNs = nowNs();
  const entry = resolveModel(ctx, msg.model_name, msg.model_version);
  if (entry.spec.decoupled !== undefined) throw new ApiError(501, DECOUPLED_OVER_UNARY);
  const { request } = parse(ctx, entry, msg, arrivalNs);
  return await entry.executor.execute(request, arrivalNs, unaryResponse);
}

/**
 * One ModelStreamInfer call. Requests run as they arrive (responses may interleave when
 * instances > 1; the client correlates by id). A failed request is answered in
 * error_message and the stream stays open, unless the client sent the metadata
 * `triton_grpc_error: true`, which closes the stream with the status instead.
 */
class InferStream {
  #open = true;
  #ended = false;
  #pending = 0;
  readonly #errorAsStatus: boolean;

  constructor(private readonly ctx: ServerContext, private readonly call: BidiCall) {
    this.#errorAsStatus = call.metadata.get("triton_grpc_error") === "true";
    call.onmessage = (msg) => this.#request(msg as ProtoInferRequest);
    call.onend = () => {
      this.#ended = true;
      this.#maybeEnd();
    };
    call.oncancel = () => {
      this.#open = false;
    };
  }

  /** Sends one response; false once the stream is closed or cancelled. */
  write(response: ProtoStreamResponse): boolean {
    if (!this.#open || this.call.cancelled) return false;
    return this.call.write(response);
  }

  #fail(e: unknown): void {
    if (!this.#open) return;
    if (!this.#errorAsStatus) {
      this.write(streamError(e));
      return;
    }
    this.#open = false;
    this.call.finish(toGrpcError(e));
  }

  #request(msg: ProtoInferRequest): void {
    this.#pending++;
    this.#run(msg).catch((e) => this.#fail(e)).finally(() => {
      this.#pending--;
      this.#maybeEnd();
    });
  }

  async #run(msg: ProtoInferRequest): Promise<void> {
    const arrivalNs = nowNs();
    const entry = resolveModel(this.ctx, msg.model_name, msg.model_version);
    const { request, emptyFinal } = parse(this.ctx, entry, msg, arrivalNs);
    const spec = entry.spec;
    if (spec.decoupled === undefined) {
      this.write(await entry.executor.execute(request, arrivalNs, finalStreamResponse));
      return;
    }
    await executeDecoupled(entry.executor, request, arrivalNs, {
      respond: (outputs, final) => this.write(streamResponse(spec, request, outputs, final)),
      emptyFinal: () => this.write(emptyFinalResponse(spec, request)),
    }, emptyFinal);
  }

  /** The client half-closed and every request has been answered: end with OK. */
  #maybeEnd(): void {
    if (!this.#ended || this.#pending > 0 || !this.#open) return;
    this.#open = false;
    this.call.finish();
  }
}

/** ModelInfer as a unary body. */
export function modelInferHandler(ctx: ServerContext): UnaryFn {
  return (request: ProtoInferRequest) => modelInfer(ctx, request);
}

/** ModelStreamInfer: one InferStream per call. */
export function modelStreamInferHandler(ctx: ServerContext): (call: BidiCall) => void {
  return (call) => void new InferStream(ctx, call);
}
