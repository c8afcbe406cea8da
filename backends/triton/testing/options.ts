/** BackendOptions for triton backend tests: the kind's defaults, with overrides of either part. */
import type { BackendOptions } from "../../../core/backend.ts";
import { backendOptions } from "../../../core/testing/backend_options.ts";
import { defaultTritonOptions, type TritonOptions } from "../options.ts";

export type TritonOverrides = Partial<Omit<BackendOptions<TritonOptions>, "own">> & {
  own?: Partial<TritonOptions>;
};

export function tritonOptions(
  url: string,
  { own, ...over }: TritonOverrides = {},
): BackendOptions<TritonOptions> {
  return backendOptions({ url, ...over, own: { ...defaultTritonOptions(), ...own } });
}
