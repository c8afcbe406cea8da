/** The torchserve kind's own flags, parsed by its descriptor and read by its backend. */
export interface TorchServeOptions {
  /**
   * --torchserve-body: "multipart" sends the file as form field "data" (perf_analyzer's
   * `curl -F data=@file`); "raw" sends it as the whole body (`curl --data-binary @file`),
   * which TorchServe hands to the handler as its input "body".
   */
  body: "multipart" | "raw";
}
