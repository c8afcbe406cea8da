/**
 * Cross-option rules of --service-kind triton_c_api (reference perf_analyzer.md §1.3): both
 * --triton-server-directory and --model-repository are needed, and neither means anything to
 * another service kind. perf_analyzer's "no async, no request rate" limits are lifted here:
 * the backend is asynchronous underneath, so every load mode works.
 */
import type { RunConfig } from "./config.ts";
import { UsageError } from "../errors.ts";

const DEFAULT_SERVER_DIRECTORY = "/opt/tritonserver";

export function finishCapi(config: RunConfig): void {
  if (config.serviceKind !== "triton_c_api") {
    if (
      config.modelRepository !== "" || config.tritonServerDirectory !== DEFAULT_SERVER_DIRECTORY
    ) {
      throw new UsageError(
        "--triton-server-directory and --model-repository are only used with " +
          "--service-kind triton_c_api.",
      );
    }
    return;
  }
  if (config.tritonServerDirectory === "") {
    throw new UsageError(
      "--triton-server-directory should not be empty when using service-kind=triton_c_api.",
    );
  }
  if (config.modelRepository === "") {
    throw new UsageError(
      "--model-repository should not be empty when using service-kind=triton_c_api " +
        "(give the model repository directory the in-process server loads).",
    );
  }
  if (config.requestTimeoutMs > 0) {
    throw new UsageError("--request-timeout is not supported with --service-kind triton_c_api.");
  }
  if (config.streaming) {
    throw new UsageError("--streaming is not supported with --service-kind triton_c_api yet.");
  }
}
