/** The dynamic_grpc kind's own flags, parsed by its descriptor and read by its backend. */
export interface DynamicGrpcOptions {
  /** --grpc-method as given ("pkg.Service/Method"); "" until the flag is seen. */
  method: string;
}

/** The HTTP/2 :path of a `pkg.Service/Method` name. */
export function methodPath(method: string): string {
  return `/${method}`;
}
