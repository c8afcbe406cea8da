/** The tfserving kind's own flags, parsed by its descriptor and read by its REST and gRPC backends. */
export interface TfServingOptions {
  /** --model-signature-name; undefined = TF Serving's "serving_default". */
  signatureName: string | undefined;
}
