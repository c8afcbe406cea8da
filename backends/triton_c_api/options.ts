/** The triton_c_api kind's own flags, parsed by its descriptor and read by its backend. */
export interface CapiOptions {
  /** --triton-server-directory: the Triton install holding lib/libtritonserver.so. */
  serverDirectory: string;
  /** --model-repository: the model repository the in-process server loads. */
  modelRepository: string;
}

export const DEFAULT_SERVER_DIRECTORY = "/opt/tritonserver";
