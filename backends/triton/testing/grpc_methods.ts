/**
 * The client's Triton codecs (grpc_proto.ts, protobufjs) as grpc-js method definitions, for
 * tests: a grpc-js peer serves them, and tests encode and decode messages with them.
 */
import { Buffer } from "node:buffer";
import * as grpc from "@grpc/grpc-js";
import { type ProtoObject, tritonRpcs } from "../grpc_proto.ts";

export type TritonMethod = grpc.MethodDefinition<ProtoObject, ProtoObject>;

/** grpc-js writes messages with Buffer methods: wrap without copying. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

let methods: Record<string, TritonMethod> | undefined;

/** Every RPC of the service by name. */
export function tritonMethods(): Record<string, TritonMethod> {
  if (methods) return methods;
  const out: Record<string, TritonMethod> = {};
  for (const [name, rpc] of tritonRpcs()) {
    out[name] = {
      path: rpc.path,
      originalName: name,
      requestStream: rpc.requestStream,
      responseStream: rpc.responseStream,
      requestSerialize: (value) => asBuffer(rpc.request.encode(value)),
      requestDeserialize: (bytes) => rpc.request.decode(bytes),
      responseSerialize: (value) => asBuffer(rpc.response.encode(value)),
      responseDeserialize: (bytes) => rpc.response.decode(bytes),
    };
  }
  methods = out;
  return out;
}

/** A grpc-js server on a free loopback port: Triton's methods named in `handlers`. */
export async function serveTriton(
  handlers: grpc.UntypedServiceImplementation,
): Promise<{ url: string; close: () => Promise<void> }> {
  const methods = tritonMethods();
  const server = new grpc.Server();
  const definition = Object.fromEntries(
    Object.keys(handlers).map((name) => [name, methods[name]]),
  ) as unknown as grpc.ServiceDefinition;
  server.addService(definition, handlers);
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(
      "127.0.0.1:0",
      grpc.ServerCredentials.createInsecure(),
      (err, p) => err ? reject(err) : resolve(p),
    );
  });
  return {
    url: `127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
